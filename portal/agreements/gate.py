"""The complaint register is processing on the member's behalf (AVG art. 28): like uploads of
customer lists, it needs the company's acceptance of the current processor agreement.

The check is the one invitations use (`services.has_accepted_current`). Member pages answer 403
with a page that says why and links to the agreement; the public complaint form of such a
member tells consumers to contact the company directly and stores nothing.
"""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from portal.agreements import services
from portal.extensions import db
from portal.members.models import Company


def member_register_gate():
    """`before_request` of the member complaint register: None when the agreement is accepted."""
    company = getattr(current_user, "company", None)
    if company is None or services.has_accepted_current(company):
        return None
    state = services.state_for(company)
    return (
        render_template(
            "agreements/required.html",
            state=state,
            can_accept=current_user.is_company_admin,
        ),
        403,
    )


def public_form_gate():
    """`before_request` of the public complaint form: None when the member accepted."""
    slug = str((request.view_args or {}).get("slug", ""))[:120]
    company = db.session.scalars(select(Company).where(Company.slug == slug)).first()
    if company is None or not company.is_listed or services.has_accepted_current(company):
        return None  # the route itself answers 404 for unknown or unlisted members
    if request.endpoint == "complaints_public.thanks":
        return None
    status = 409 if request.method == "POST" else 200
    return render_template("complaints/public_unavailable.html", company=company), status
