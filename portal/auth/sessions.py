"""Server-side sessions: creation, loading with timeouts, revocation."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from portal.auth.models import User, UserSession
from portal.core.db import rowcount, utcnow
from portal.extensions import db

MAX_SESSIONS = 10
# (idle timeout, absolute lifetime) per kind of user.
MEMBER_TIMEOUTS = (timedelta(hours=2), timedelta(days=7))
STAFF_TIMEOUTS = (timedelta(minutes=30), timedelta(hours=12))
TOUCH_INTERVAL = timedelta(seconds=60)


def token_hash(token: str) -> str:
    """SHA-256 of a random token; only hashes are stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    user: User, *, remember: bool, ip: str, user_agent: str, mfa_verified: bool
) -> str:
    """Create a session row and return its token (the caller commits).

    Members with remember-me keep the absolute lifetime; without it the idle timeout rules.
    """
    idle, absolute = STAFF_TIMEOUTS if user.is_staff else MEMBER_TIMEOUTS
    token = secrets.token_urlsafe(16)  # 128 bits
    now = utcnow()
    db.session.add(
        UserSession(
            token_hash=token_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + absolute,
            idle_seconds=int(
                (absolute if remember and not user.is_staff else idle).total_seconds()
            ),
            ip=ip[:64],
            user_agent=user_agent[:200],
            mfa_verified=mfa_verified,
        )
    )
    db.session.flush()
    _cap_sessions(user)
    return token


def _cap_sessions(user: User) -> None:
    live = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.created_at.desc(), UserSession.id.desc())
    ).all()
    for old in live[MAX_SESSIONS:]:
        old.revoked_at = utcnow()


def find_session(token: str) -> UserSession | None:
    """The live session for a token, or None when revoked, expired or idle too long."""
    row = db.session.scalars(
        select(UserSession).where(UserSession.token_hash == token_hash(token))
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    if now >= row.expires_at or now - row.last_seen_at > timedelta(seconds=row.idle_seconds):
        return None
    if not row.user.active:
        return None
    if now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
    return row


def revoke(token: str) -> None:
    """End one session."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.token_hash == token_hash(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_all(user: User, *, keep_token: str | None = None) -> int:
    """End every session of a user (optionally all but the current one)."""
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    )
    if keep_token:
        query = query.where(UserSession.token_hash != token_hash(keep_token))
    return rowcount(db.session.execute(query.values(revoked_at=utcnow())))


def live_sessions(user: User) -> list[UserSession]:
    """Sessions a user can see and end."""
    return list(
        db.session.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > utcnow(),
            )
            .order_by(UserSession.last_seen_at.desc())
        )
    )
