"""Account operations: authenticate, start and end sessions, passwords, invitations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import current_app, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import func, select

from portal.auth import sessions, tokens
from portal.auth.models import CompanyRole, Role, TokenPurpose, User
from portal.auth.passwords import hash_password, password_problems, verify_password
from portal.core import audit, metrics, outbox
from portal.core.db import utcnow
from portal.core.logs import security_event
from portal.extensions import db

if TYPE_CHECKING:
    from portal.members.models import Company


class AccountError(Exception):
    """A Dutch, user-facing reason an account operation was refused."""


def find_user(email: str) -> User | None:
    """Case-insensitive look-up by e-mail address."""
    email = (email or "").strip().lower()
    if not email:
        return None
    return db.session.scalars(select(User).where(func.lower(User.email) == email)).first()


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None; unknown and wrong look the same."""
    user = find_user(email)
    ok, new_hash = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        security_event("login_failed")
        metrics.FAILED_LOGINS.inc()
        return None
    if new_hash:
        user.password_hash = new_hash
    return user


def complete_login(user: User, *, remember: bool, mfa_verified: bool) -> None:
    """Rotate the session, create the server-side row and log the user in (caller commits)."""
    session.clear()
    token = sessions.start_session(
        user,
        remember=remember and not user.is_staff,
        ip=request.remote_addr or "",
        user_agent=request.user_agent.string or "",
        mfa_verified=mfa_verified,
    )
    user.session_token = token
    user.last_login_at = utcnow()
    login_user(user, remember=remember and not user.is_staff)
    audit.record(
        "auth.login",
        actor=user,
        company=user.company,
        subject=user,
    )


def logout(user: User) -> None:
    """Revoke this session server-side and clear the cookie session (caller commits)."""
    if user.session_token:
        sessions.revoke(user.session_token)
    audit.record("auth.logout", actor=user, subject=user)
    logout_user()
    session.clear()


def set_password(user: User, password: str, confirm: str) -> None:
    """Validate and store a new password, ending every session and pending e-mail change.

    :raises AccountError: the passwords differ or the policy refuses it.
    """
    if password != confirm:
        raise AccountError(_("De twee wachtwoorden zijn niet gelijk."))
    context = [user.email.split("@")[0], user.name]
    if user.company:
        context.append(user.company.display_name)
    problems = password_problems(password, staff=user.is_staff, context=context)
    if problems:
        raise AccountError(problems[0])
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    sessions.revoke_all(user)
    # A pending e-mail change (perhaps requested by whoever knew the old password) stops too.
    if tokens.withdraw(user, TokenPurpose.EMAIL):
        audit.record("account.email_change_cancelled", actor=user, subject=user)
    audit.record("auth.password_changed", actor=user, subject=user)


def send_reset(user: User) -> None:
    """E-mail a password-reset link (30 minutes, single use)."""
    raw = tokens.issue(user, TokenPurpose.RESET)
    outbox.enqueue(
        "auth.reset",
        to=user.email,
        subject=_("Nieuw wachtwoord instellen voor het ledenportaal"),
        template="mail/reset.txt",
        user=user,
        secret_link=_external("auth.reset", token=raw),
    )


def send_activation(user: User, *, invited_by: User | None = None) -> None:
    """E-mail an activation link to a new or imported user (7 days, single use)."""
    raw = tokens.issue(user, TokenPurpose.ACTIVATE)
    outbox.enqueue(
        "auth.activate",
        to=user.email,
        subject=_("Activeer uw account voor het ledenportaal"),
        template="mail/activate.txt",
        company=user.company,
        user=user,
        invited_by=invited_by,
        secret_link=_external("auth.activate", token=raw),
    )


def _external(endpoint: str, **values: Any) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + url_for(endpoint, **values)


def create_invited_user(*, email: str, invited_by: User, **fields: Any) -> User:
    """Create a user without a password and e-mail the activation link (flushes only).

    Shared by colleague invitations and the admin's staff accounts; `fields` are User columns.

    :raises AccountError: the address already has an account.
    """
    if find_user(email) is not None:
        raise AccountError(_("Er bestaat al een account met dit e-mailadres."))
    user = User(email=email.strip().lower(), active=True, **fields)
    db.session.add(user)
    db.session.flush()
    send_activation(user, invited_by=invited_by)
    return user


def invite_colleague(
    company: Company, *, name: str, email: str, company_role: str, by: User
) -> User:
    """Create an inactive-password member user for the company and e-mail an activation link.

    :raises AccountError: the address already has an account.
    """
    user = create_invited_user(
        email=email,
        invited_by=by,
        name=name,
        role=Role.MEMBER,
        company=company,
        company_role=CompanyRole(company_role),
    )
    audit.record(
        "company.colleague_invited",
        actor=by,
        company=company,
        subject=user,
        changes={"company_role": {"old": None, "new": company_role}},
    )
    return user


def create_admin(email: str, name: str, password: str) -> User:
    """Bootstrap an admin account from the command line.

    :raises AccountError: duplicate address or weak password.
    """
    if find_user(email) is not None:
        raise AccountError("An account with this e-mail address exists already.")
    problems = password_problems(password, staff=True, context=[email.split("@")[0], name])
    if problems:
        raise AccountError(problems[0])
    user = User(
        email=email.lower(), name=name, role=Role.ADMIN, password_hash=hash_password(password)
    )
    db.session.add(user)
    db.session.flush()
    audit.record("auth.admin_created", subject=user)
    return user
