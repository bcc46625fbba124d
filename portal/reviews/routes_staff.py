"""Beheer > Beoordelingen: the queue of included Klantenvertellen requests and their provisioning.

Kept small on purpose; the full criterium-2 staff console lives elsewhere.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from portal.core import queues
from portal.core.access import require_user
from portal.core.db import utcnow
from portal.core.htmx import render
from portal.core.paging import page_arg
from portal.core.security import staff_required
from portal.extensions import db, limiter
from portal.members.models import Company
from portal.reviews import services
from portal.reviews.forms import ProvisionForm
from portal.reviews.models import ReviewSystem, SystemStatus

bp = Blueprint("reviews_staff", __name__)
PER_PAGE = 25


@bp.before_request
@staff_required
def _staff_only():
    """Staff and admins only; everyone else gets 404."""
    return None


def _filters() -> dict:
    """The provisioning queue's filters: label and condition per choice ('' = all)."""
    three_weeks_ago = utcnow() - timedelta(days=21)
    return {
        "": (_("Alle aanvragen"), None),
        "lang": (_("Langer dan 3 weken open"), ReviewSystem.requested_at <= three_weeks_ago),
        "overstap": (_("Overstap: huidig systeem blijft"), ReviewSystem.pending.is_(True)),
        "nieuw": (_("Zonder ander systeem"), ReviewSystem.is_current.is_(True)),
    }


@bp.get("/")
def requests():
    """Paginated list of REQUESTED included Klantenvertellen systems: search, filter, sort.

    Oldest first by default: members wait for access, 2 to 3 weeks is the promise.
    """
    filters = _filters()
    args = queues.QueueArgs.from_args(request.args, filters=filters)
    query = queues.apply(
        services.requested_systems_query().join(Company, Company.id == ReviewSystem.company_id),
        args,
        search_columns=(Company.legal_name, Company.trade_name, Company.member_number),
        date_column=ReviewSystem.requested_at,
        name_column=queues.company_name(Company),
        filters={key: condition for key, (_label, condition) in filters.items()},
    )
    page = db.paginate(query, page=page_arg(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "reviews/staff_requests.html",
        page=page,
        args=args,
        filters={key: label for key, (label, _condition) in filters.items()},
        sorts=queues.SORTS,
    )


@bp.get("/<system_id>/activeren")
def provision_form(system_id: str) -> ResponseReturnValue:
    """Form to enter the location id and token of a requested account."""
    system = _pending_or_404(system_id)
    return _page(ProvisionForm(), system)


@bp.post("/<system_id>/activeren")
@limiter.limit("60/hour", methods=["POST"])
def provision(system_id: str) -> ResponseReturnValue:
    """Save the new account's credentials: ACTIVE when verified, else UNCHECKED; mails the member."""
    system = _pending_or_404(system_id)
    form = ProvisionForm()
    problem = ""
    if form.validate_on_submit():
        try:
            result = services.complete_provisioning(
                system,
                location_id=form.location_id.data or "",
                token=form.token.data or "",
                by=require_user(),
                check=not form.skip_check.data,
            )
        except services.ReviewSystemError as exc:
            field = getattr(form, exc.field, None) if exc.field else None
            if field is None:
                problem = exc.message
            else:
                field.errors = [*field.errors, exc.message]
        else:
            db.session.commit()
            flash(result.message, "success" if result.checked else "warning")
            return redirect(url_for("reviews_staff.requests"), 303)
    return _page(form, system, problem=problem, status=422)


def _pending_or_404(system_id: str) -> ReviewSystem:
    """A current included Klantenvertellen request, waiting or unchecked.

    :raises NotFound: unknown id or not a pending included request.
    """
    system = db.session.scalars(
        select(ReviewSystem).where(
            ReviewSystem.public_id == system_id,
            ReviewSystem.is_current.is_(True) | ReviewSystem.pending.is_(True),
            ReviewSystem.included.is_(True),
            ReviewSystem.status.in_((SystemStatus.REQUESTED, SystemStatus.UNCHECKED)),
        )
    ).first()
    if system is None:
        abort(404)
    return system


def _page(
    form: ProvisionForm, system: ReviewSystem, *, problem: str = "", status: int = 200
) -> ResponseReturnValue:
    return render(
        "reviews/staff_provision.html",
        "reviews/_provision_form.html",
        target="review-provision-form",
        status=status,
        form=form,
        system=system,
        problem=problem,
        attempts=services.recent_attempts(system, limit=5),
        title=_("Klantenvertellen activeren"),
    )
