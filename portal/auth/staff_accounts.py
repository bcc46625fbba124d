"""Admin management of staff accounts: list, create with an activation mail, role, deactivate.

Services flush but never commit; each change is an audit entry. An admin never changes or
deactivates their own account, so at least one active admin always remains.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Select, select

from portal.auth import sessions
from portal.auth.models import Role, User
from portal.auth.services import AccountError, create_invited_user
from portal.core import audit

STAFF_ROLES = (Role.STAFF, Role.ADMIN)


def staff_users_query() -> Select:
    """Staff and admin accounts: active ones first, then by name."""
    return (
        select(User)
        .where(User.role.in_(STAFF_ROLES))
        .order_by(User.active.desc(), User.name, User.id)
    )


def create_staff(*, name: str, email: str, by: User) -> User:
    """A new staff account without a password; the activation link goes out by the outbox.

    :raises AccountError: the address already has an account.
    """
    user = create_invited_user(email=email, invited_by=by, name=name, role=Role.STAFF)
    audit.record(
        "staff.created",
        actor=by,
        subject=user,
        changes=audit.diff({}, {"email": user.email, "name": user.name, "role": str(user.role)}),
    )
    return user


def _check_other_active(user: User, by: User) -> None:
    if user.id == by.id:
        raise AccountError(_("Uw eigen account kunt u hier niet wijzigen."))
    if not user.active:
        raise AccountError(_("Dit account is gedeactiveerd."))


def change_role(user: User, *, role: Role, by: User) -> bool:
    """Make a staff member admin or an admin staff; returns False when nothing changed.

    :raises AccountError: the admin's own account, a deactivated account, or not a staff role.
    """
    _check_other_active(user, by)
    if role not in STAFF_ROLES:
        raise AccountError(_("Kies medewerker of beheerder."))
    if user.role is role:
        return False
    before = {"role": str(user.role)}
    user.role = role
    audit.record(
        "staff.role_changed",
        actor=by,
        subject=user,
        changes=audit.diff(before, {"role": str(role)}),
    )
    return True


def deactivate(user: User, *, by: User) -> int:
    """Switch a staff account off and end all its sessions; returns how many ended.

    :raises AccountError: the admin's own account, or already deactivated.
    """
    _check_other_active(user, by)
    user.active = False
    ended = sessions.revoke_all(user)
    audit.record(
        "staff.deactivated",
        actor=by,
        subject=user,
        changes={**audit.diff({"active": True}, {"active": False}),
                 "sessions_ended": {"old": None, "new": ended}},
    )  # fmt: skip
    return ended
