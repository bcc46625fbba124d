"""Beheer > Medewerkers (admin only): staff accounts, their role and deactivation."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from portal.admin.routes.blueprint import bp
from portal.auth import staff_accounts
from portal.auth.forms import StaffAccountForm, StaffRoleForm
from portal.auth.models import Role, User
from portal.auth.services import AccountError
from portal.core import concurrency
from portal.core.access import require_user
from portal.core.forms import EmptyForm
from portal.core.security import admin_required
from portal.core.validation import add_error
from portal.extensions import db, limiter


def _list_page(
    form: StaffAccountForm, *, problem: str = "", status: int = 200
) -> ResponseReturnValue:
    users = db.session.scalars(staff_accounts.staff_users_query()).all()
    page = render_template(
        "admin/staff_accounts.html",
        users=users,
        form=form,
        role_form=StaffRoleForm(),
        me=require_user(),
        problem=problem,
    )
    return page, status


def _staff_or_404(public_id: str) -> User:
    """A staff or admin account by public id; member accounts are not managed here.

    :raises NotFound: unknown id or a member account.
    """
    user = db.session.scalars(
        select(User).where(User.public_id == public_id, User.role.in_(staff_accounts.STAFF_ROLES))
    ).first()
    if user is None:
        abort(404)
    return user


@bp.get("/medewerkers")
@admin_required
def staff_accounts_list():
    """Every staff and admin account, with the form to add a staff member."""
    return _list_page(StaffAccountForm())


@bp.post("/medewerkers")
@admin_required
@limiter.limit("30/hour", methods=["POST"])
def create_staff_account():
    """Create a staff account and mail its activation link (audited); 422 on invalid input."""
    form = StaffAccountForm()
    if form.validate_on_submit():
        url = concurrency.create_once(lambda: _create_staff(form))
        if url is not None:
            return redirect(url, 303)
    return _list_page(form, status=422)


def _create_staff(form: StaffAccountForm) -> str | None:
    """The service call of `create_staff_account`: the list's URL, or None with the field error."""
    try:
        staff_accounts.create_staff(
            name=form.name.data or "", email=form.email.data or "", by=require_user()
        )
    except AccountError as exc:
        add_error(form.email, str(exc))
        return None
    flash(_("De activatielink is verstuurd naar %(email)s.", email=form.email.data))
    return url_for("admin.staff_accounts_list")


@bp.post("/medewerkers/<public_id>/rol")
@admin_required
def change_staff_role(public_id: str) -> ResponseReturnValue:
    """Switch an account between staff and admin (never the admin's own; audited)."""
    user = _staff_or_404(public_id)
    form = StaffRoleForm()
    if not form.validate_on_submit():
        return _list_page(StaffAccountForm(), problem=_("Kies een geldige rol."), status=422)
    try:
        changed = staff_accounts.change_role(user, role=Role(form.role.data), by=require_user())
    except AccountError as exc:
        return _list_page(StaffAccountForm(), problem=str(exc), status=422)
    db.session.commit()
    if changed:
        flash(_("De rol van %(name)s is aangepast.", name=user.name), "success")
    return redirect(url_for("admin.staff_accounts_list"), 303)


def _confirm_page(user: User, *, problem: str = "", status: int = 200) -> ResponseReturnValue:
    page = render_template(
        "admin/staff_account_deactivate.html", user=user, form=EmptyForm(), problem=problem
    )
    return page, status


@bp.get("/medewerkers/<public_id>/deactiveren")
@admin_required
def deactivate_staff_confirm(public_id: str) -> ResponseReturnValue:
    """Confirmation step before switching a staff account off."""
    return _confirm_page(_staff_or_404(public_id))


@bp.post("/medewerkers/<public_id>/deactiveren")
@admin_required
def deactivate_staff(public_id: str) -> ResponseReturnValue:
    """Switch the account off and end its sessions (audited); never the admin's own.

    :raises BadRequest: the confirm form did not validate.
    """
    user = _staff_or_404(public_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        staff_accounts.deactivate(user, by=require_user())
    except AccountError as exc:
        return _confirm_page(user, problem=str(exc), status=422)
    db.session.commit()
    flash(_("%(name)s kan niet meer inloggen.", name=user.name), "success")
    return redirect(url_for("admin.staff_accounts_list"), 303)
