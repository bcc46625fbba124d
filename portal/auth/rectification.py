"""Rectification of a user's own name and e-mail address (AVG art. 16). Flush, never commit.

A name change takes effect at once and is carried into the complaint register's labels of the
same person (history, investigation log, letters, intake and handler), so that the register
shows the corrected name and a later erasure still finds every label.

An e-mail change needs the current password (or, without one, a login of the last
`FRESH_LOGIN` minutes), then waits for the link sent to the NEW address: single use, 24 hours,
an earlier pending change stops working. The old address gets a notice at the request and at
the change. The answer never says whether the new address already has an account; its owner
gets a mail instead. On confirmation the address changes and every other session of the user
ends. Each notice carries a "this wasn't me" link (see `withdraw_by_link`) that can also take
back a change that already went through.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select, update

from portal.auth import sessions, tokens
from portal.auth.models import TokenPurpose, User, UserSession, UserToken
from portal.auth.passwords import verify_password
from portal.auth.services import AccountError, find_user
from portal.core import audit, outbox
from portal.core.db import utcnow
from portal.core.validation import normalise_email
from portal.extensions import db

FRESH_LOGIN = timedelta(minutes=15)


def change_name(user: User, name: str) -> bool:
    """Correct the user's name; False when it did not change.

    :raises AccountError: empty name.
    """
    name = (name or "").strip()[:120]
    if not name:
        raise AccountError(_("Vul uw naam in."))
    if name == user.name:
        return False
    from portal.privacy.erasure import relabel_complaint_author  # privacy imports auth

    relabel_complaint_author(user, name)
    user.name = name
    db.session.flush()
    audit.record(
        "account.name_changed",
        actor=user,
        company=user.company,
        subject=user,
        changes={"name": {"old": "[gewijzigd]", "new": "[gewijzigd]"}},
    )
    return True


def may_change_email(user: User) -> bool:
    """Staff accounts made by single sign-on take their address from the association's IdP."""
    return not (user.is_staff and not user.password_hash)


def check_reauth(user: User, password: str, session_row: UserSession | None) -> None:
    """The current password, or for an account without one a login of the last minutes.

    :raises AccountError: wrong password, or the login is too old.
    """
    if user.password_hash:
        ok, _rehash = verify_password(user.password_hash, password or "")
        if not ok:
            raise AccountError(_("Uw huidige wachtwoord klopt niet."))
        return
    fresh = session_row is not None and utcnow() - session_row.created_at <= FRESH_LOGIN
    if not fresh:
        raise AccountError(
            _("Log eerst opnieuw in; daarna kunt u binnen 15 minuten uw e-mailadres wijzigen.")
        )


def request_email_change(user: User, new_email: str) -> None:
    """Send the confirmation link to the new address and a notice to the old one.

    When the new address belongs to another account, its owner gets a warning instead of the
    link; everything else (pending entry, notice to the old address, the answer) is the same.

    :raises AccountError: not a valid address, the current one, or managed by the IdP.
    """
    if not may_change_email(user):
        raise AccountError(
            _("Uw e-mailadres komt van uw verenigingsaccount; laat het daar wijzigen.")
        )
    address = normalise_email(new_email or "")
    if address is None:
        raise AccountError(_("Vul een geldig e-mailadres in."))
    if address == user.email.lower():
        raise AccountError(_("Dit is al uw e-mailadres."))
    audit.record(
        "account.email_change_requested",
        actor=user,
        company=user.company,
        subject=user,
    )
    # A taken address gets a pending entry and an old-address notice exactly like a free one
    # (the account page and the old mailbox must not tell them apart); only the mail to the
    # new address differs, and confirming fails because the address is taken.
    raw = tokens.issue(user, TokenPurpose.EMAIL, new_email=address)
    if find_user(address) is not None:
        outbox.enqueue(
            "auth.email_taken",
            to=address,
            subject=_("Poging om dit e-mailadres te gebruiken in het ledenportaal"),
            template="mail/email_change_taken.txt",
        )
    else:
        outbox.enqueue(
            "auth.email_confirm",
            to=address,
            subject=_("Bevestig uw nieuwe e-mailadres voor het ledenportaal"),
            template="mail/email_change_confirm.txt",
            user=user,
            secret_link=_external("auth.email_confirm", token=raw),
        )
    outbox.enqueue(
        "auth.email_change_notice",
        to=user.email,
        subject=_("Wijziging van uw e-mailadres aangevraagd"),
        template="mail/email_change_notice.txt",
        user=user,
        new_email=address,
        secret_link=_external(
            "auth.email_withdraw",
            token=tokens.issue(user, TokenPurpose.WITHDRAW, new_email=user.email),
        ),
    )


def pending_change(user: User) -> UserToken | None:
    """The change waiting for confirmation, if any."""
    row = db.session.scalars(
        select(UserToken)
        .where(
            UserToken.user_id == user.id,
            UserToken.purpose == TokenPurpose.EMAIL,
            UserToken.used_at.is_(None),
            UserToken.expires_at > utcnow(),
        )
        .order_by(UserToken.id.desc())
    ).first()
    return row


def cancel_pending(user: User) -> bool:
    """Withdraw a pending change (its link stops working)."""
    return tokens.withdraw(user, TokenPurpose.EMAIL)


def withdraw_by_link(raw: str) -> tuple[User, str] | None:
    """ "This wasn't me", from the notice to an earlier address (flushes, never commits).

    Whoever asked for the change may know the password or hold a session, so every session
    ends and reset links lapse, whatever the state of the change. The outcome says what
    happened to the change: "withdrawn" (it was pending and stops), "changed" (the login is no
    longer the address the notice went to: see `_take_back`) or "lapsed" (withdrawn or expired
    before). None for an invalid link.
    """
    row = tokens.peek(raw, TokenPurpose.WITHDRAW)
    if row is None:
        return None
    user = row.user
    row.used_at = utcnow()
    notified = row.new_email
    if notified is None:  # a link sent before the address was kept on it
        changed = _legacy_changed(user, row)
    else:
        changed = user.email.lower() != notified.lower()
    pending = tokens.withdraw(user, TokenPurpose.EMAIL)
    changes = None
    if changed:
        outcome, action = "changed", "account.email_change_disputed"
        changes = _take_back(user, row, notified)
    elif pending:
        outcome, action = "withdrawn", "account.email_change_withdrawn"
    else:
        outcome, action = "lapsed", "account.email_change_withdrawn"
    tokens.withdraw(user, TokenPurpose.RESET)
    sessions.revoke_all(user)
    audit.record(action, actor=user, subject=user, changes=changes)
    return user, outcome


def _take_back(user: User, row: UserToken, notified: str | None) -> dict:
    """The change went through: the login goes back to the address the notice went to, or,
    when another account has that address now (or it is unknown), the account is switched
    off for ledenservice.

    Links sent later (to addresses the account only got through the disputed change) stop;
    earlier ones stay, so an earlier owner can still take the account back. The password and
    a second factor stay as they are: the page tells the owner what to do. Returns the
    audit changes (no addresses).
    """
    db.session.execute(
        update(UserToken)
        .where(
            UserToken.user_id == user.id,
            UserToken.purpose == TokenPurpose.WITHDRAW,
            UserToken.used_at.is_(None),
            UserToken.id > row.id,
        )
        .values(used_at=utcnow())
    )
    if notified is None or find_user(notified) is not None:
        user.active = False
        db.session.flush()
        return audit.diff({"active": True}, {"active": False})
    user.email = notified
    db.session.flush()
    outbox.enqueue(
        "auth.email_restored",
        to=notified,
        subject=_("Uw e-mailadres in het ledenportaal is teruggezet"),
        template="mail/email_restored.txt",
        user=user,
    )
    return {"email": {"old": "[gewijzigd]", "new": "[teruggezet]"}}


def _legacy_changed(user: User, row: UserToken) -> bool:
    """For a link without its address: did a change requested before it go through?"""
    change = db.session.scalars(
        select(UserToken)
        .where(
            UserToken.user_id == user.id,
            UserToken.purpose == TokenPurpose.EMAIL,
            UserToken.created_at <= row.created_at,
        )
        .order_by(UserToken.id.desc())
    ).first()
    return change is not None and change.used_at is not None and change.new_email == user.email


def confirm_email_change(raw: str, *, keep_session_id: int | None) -> User | None:
    """Follow the link: the address changes, other sessions end. None when the link is invalid.

    :raises AccountError: the address got an account in the meantime (the link is used up).
    """
    row = tokens.peek(raw, TokenPurpose.EMAIL)
    if row is None or not row.new_email:
        return None
    user = row.user
    row.used_at = utcnow()
    if not user.active:
        db.session.flush()
        raise AccountError(_("Dit account is niet actief; het e-mailadres wordt niet gewijzigd."))
    if user.password_changed_at is not None and row.created_at < user.password_changed_at:
        # set_password withdraws pending changes; this also covers any other path.
        db.session.flush()
        raise AccountError(
            _(
                "Deze link geldt niet meer: het wachtwoord is gewijzigd nadat de link is "
                "verstuurd. Vraag de wijziging zo nodig opnieuw aan."
            )
        )
    if find_user(row.new_email) is not None:
        db.session.flush()
        raise AccountError(_("Dit e-mailadres is inmiddels al in gebruik; vraag een ander aan."))
    old = user.email
    user.email = row.new_email
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    )
    if keep_session_id is not None:
        query = query.where(UserSession.id != keep_session_id)
    db.session.execute(query.values(revoked_at=utcnow()))
    # Other pending changes and reset links went to addresses that no longer apply.
    db.session.execute(
        update(UserToken)
        .where(
            UserToken.user_id == user.id,
            UserToken.purpose.in_((TokenPurpose.EMAIL, TokenPurpose.RESET)),
            UserToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    db.session.flush()
    audit.record(
        "account.email_changed",
        actor=user,
        company=user.company,
        subject=user,
    )
    outbox.enqueue(
        "auth.email_changed",
        to=old,
        subject=_("Uw e-mailadres in het ledenportaal is gewijzigd"),
        template="mail/email_changed.txt",
        user=user,
        new_email=user.email,
    )
    return user


def _external(endpoint: str, **values: Any) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + url_for(endpoint, **values)
