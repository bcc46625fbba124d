"""Colleagues: the company beheerder invites, re-roles and removes users of the company."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from portal.auth import sessions
from portal.auth.forms import InviteColleagueForm, RoleForm
from portal.auth.invite_form import invite_from_form
from portal.auth.models import CompanyRole, User
from portal.core import audit
from portal.core.access import current_company, require_user
from portal.core.forms import EmptyForm
from portal.core.security import get_owned_or_404
from portal.extensions import db, limiter
from portal.profile.routes.blueprint import bp

if TYPE_CHECKING:
    from portal.members.models import Company


def _colleagues(company: Company) -> list[User]:
    return list(
        db.session.scalars(select(User).where(User.company_id == company.id).order_by(User.name))
    )


def _require_beheerder() -> User:
    """Only the company beheerder changes colleagues.

    :raises Forbidden: a medewerker tried.
    """
    user = require_user()
    if not user.is_company_admin:
        abort(403)
    return user


@bp.get("/collegas")
def colleagues():
    """List of the company's users; the beheerder also sees the invite form."""
    company = current_company()
    return render_template(
        "profile/colleagues.html",
        company=company,
        users=_colleagues(company),
        form=InviteColleagueForm(),
        role_form=RoleForm(),
        me=require_user(),
    )


@bp.post("/collegas")
@limiter.limit("30/hour", methods=["POST"])
def invite():
    """Invite a colleague by e-mail with an activation link."""
    me = _require_beheerder()
    company = current_company()
    form = InviteColleagueForm()
    url = form.validate_on_submit() and invite_from_form(
        form,
        company,
        company_role=form.company_role.data,
        by=me,
        done=url_for("profile.colleagues"),
    )
    if url:
        flash(_("De uitnodiging is verstuurd naar %(email)s.", email=form.email.data))
        return redirect(url, 303)
    return render_template(
        "profile/colleagues.html",
        company=company,
        users=_colleagues(company),
        form=form,
        role_form=RoleForm(),
        me=me,
    ), 422


@bp.post("/collegas/<public_id>/rol")
def change_role(public_id: str) -> ResponseReturnValue:
    """Make a colleague beheerder or medewerker (never leaves the company without a beheerder)."""
    me = _require_beheerder()
    colleague = get_owned_or_404(User, public_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    new_role = CompanyRole(form.company_role.data)
    if (
        colleague.id == me.id
        and new_role is not CompanyRole.BEHEERDER
        and _beheerder_count(me.company_id) <= 1
    ):
        flash(_("Er moet minstens één beheerder blijven."), "error")
        return redirect(url_for("profile.colleagues"), 303)
    audit.record(
        "company.colleague_role",
        actor=me,
        company=colleague.company,
        subject=colleague,
        changes=audit.diff(
            {"company_role": str(colleague.company_role)}, {"company_role": str(new_role)}
        ),
    )
    colleague.company_role = new_role
    db.session.commit()
    flash(_("De rol van %(name)s is aangepast.", name=colleague.name))
    return redirect(url_for("profile.colleagues"), 303)


def _beheerder_count(company_id: int | None) -> int:
    return len(
        db.session.scalars(
            select(User.id).where(
                User.company_id == company_id,
                User.company_role == CompanyRole.BEHEERDER,
                User.active,
            )
        ).all()
    )


@bp.get("/collegas/<public_id>/verwijderen")
def remove_confirm(public_id: str) -> ResponseReturnValue:
    """Confirmation page before removing a colleague."""
    _require_beheerder()
    colleague = get_owned_or_404(User, public_id)
    return render_template("profile/colleague_remove.html", colleague=colleague, form=EmptyForm())


@bp.post("/collegas/<public_id>/verwijderen")
def remove(public_id: str) -> ResponseReturnValue:
    """Remove a colleague's access: the account is deactivated and its sessions end."""
    me = _require_beheerder()
    colleague = get_owned_or_404(User, public_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if colleague.id == me.id:
        flash(_("U kunt uzelf niet verwijderen."), "error")
        return redirect(url_for("profile.colleagues"), 303)
    colleague.active = False
    colleague.company_id = None
    sessions.revoke_all(colleague)
    audit.record(
        "company.colleague_removed",
        actor=me,
        company=me.company,
        subject=colleague,
    )
    db.session.commit()
    flash(_("%(name)s heeft geen toegang meer.", name=colleague.name))
    return redirect(url_for("profile.colleagues"), 303)
