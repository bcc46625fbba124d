"""TOTP second factor: enrolment, verification without replay, recovery codes."""

from __future__ import annotations

import base64
import io
import secrets
from typing import cast

import pyotp
import segno
from sqlalchemy import Table, select

from portal.auth.models import RecoveryCode, User
from portal.auth.passwords import hasher
from portal.core import crypto
from portal.core.db import utcnow
from portal.extensions import db

ISSUER = "Ledenportaal"
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_secret() -> str:
    """A fresh base32 TOTP seed."""
    return pyotp.random_base32()


def provisioning_qr(user: User, secret: str) -> str:
    """A data: URI with the QR code (SVG, made by segno) for the authenticator app."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _aad(user: User) -> str:
    return f"users:{user.id}:totp_secret_enc"


def enable(user: User, secret: str) -> list[str]:
    """Store the encrypted seed and return 10 fresh recovery codes (shown once)."""
    user.totp_secret_enc = crypto.encrypt(secret, aad=_aad(user))
    user.totp_last_step = None
    db.session.execute(
        cast(Table, RecoveryCode.__table__).delete().where(RecoveryCode.user_id == user.id)
    )
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10)) for _ in range(10)]
    for code in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=hasher.hash(code)))
    return codes


def disable(user: User) -> None:
    """Remove the second factor and its recovery codes."""
    user.totp_secret_enc = None
    user.totp_last_step = None
    db.session.execute(
        cast(Table, RecoveryCode.__table__).delete().where(RecoveryCode.user_id == user.id)
    )


def check_code(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step a code matches (exact window), or None; a used step never works twice."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(utcnow())
    if last_step is not None and step <= last_step:
        return None
    if secrets.compare_digest(totp.at(utcnow()), code):
        return step
    return None


def verify(user: User, code: str) -> bool:
    """Check a TOTP code or a recovery code for a user; records use (caller commits)."""
    if not user.totp_secret_enc:
        return False
    secret = crypto.decrypt(user.totp_secret_enc, aad=_aad(user))
    step = check_code(secret, code, user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        return True
    return _use_recovery_code(user, code)


def _use_recovery_code(user: User, code: str) -> bool:
    cleaned = code.strip().replace(" ", "").replace("-", "").upper()
    if len(cleaned) != 10:
        return False
    rows = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    for row in rows:
        try:
            hasher.verify(row.code_hash, cleaned)
        except Exception:  # noqa: S112 - a mismatch simply tries the next code
            continue
        row.used_at = utcnow()
        return True
    return False
