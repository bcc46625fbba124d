"""Single-use, expiring e-mail tokens for password reset, account activation and e-mail change."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update

from portal.auth.models import TokenPurpose, User, UserToken
from portal.auth.sessions import token_hash
from portal.core.db import rowcount, utcnow
from portal.extensions import db

LIFETIMES = {
    TokenPurpose.RESET: timedelta(minutes=30),
    TokenPurpose.ACTIVATE: timedelta(days=7),
    TokenPurpose.EMAIL: timedelta(hours=24),
    # Longer than the change link: the old owner may read the notice after the change went through.
    TokenPurpose.WITHDRAW: timedelta(days=7),
}


def issue(user: User, purpose: TokenPurpose, *, new_email: str | None = None) -> str:
    """Create a token (older unused ones of the same purpose stop working).

    WITHDRAW tokens carry in `new_email` the address the notice went to, and only older ones
    sent to that same address stop: a notice to a later (perhaps an intruder's) address must
    not kill the link the previous owner holds.
    """
    older = update(UserToken).where(
        UserToken.user_id == user.id, UserToken.purpose == purpose, UserToken.used_at.is_(None)
    )
    if purpose is TokenPurpose.WITHDRAW:
        older = older.where(UserToken.new_email == new_email)
    db.session.execute(older.values(used_at=utcnow()))
    raw = secrets.token_urlsafe(32)
    db.session.add(
        UserToken(
            token_hash=token_hash(raw),
            purpose=purpose,
            user_id=user.id,
            expires_at=utcnow() + LIFETIMES[purpose],
            new_email=new_email,
        )
    )
    return raw


def peek(raw: str, purpose: TokenPurpose) -> UserToken | None:
    """The token row when it is valid now, without using it."""
    if not raw or len(raw) > 100:
        return None
    row = db.session.scalars(
        select(UserToken).where(
            UserToken.token_hash == token_hash(raw), UserToken.purpose == purpose
        )
    ).first()
    if row is None or row.used_at is not None or utcnow() >= row.expires_at:
        return None
    return row


def consume(raw: str, purpose: TokenPurpose) -> User | None:
    """Mark a valid token used and return its user; None when invalid."""
    row = peek(raw, purpose)
    if row is None:
        return None
    row.used_at = utcnow()
    return row.user


def withdraw(user: User, purpose: TokenPurpose) -> bool:
    """Make every unused token of this purpose stop working; True when there was one."""
    result = db.session.execute(
        update(UserToken)
        .where(
            UserToken.user_id == user.id, UserToken.purpose == purpose, UserToken.used_at.is_(None)
        )
        .values(used_at=utcnow())
    )
    return bool(rowcount(result))
