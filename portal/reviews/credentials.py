"""Provider credentials at rest: AES-GCM via portal.core.crypto, bound to row and column.

Payload: JSON `{"token": …}` or `{"feed_hash": …}` (Klantenvertellen/Kiyoh; the older review
feed) or `{"client_id": …, "client_secret": …}`
(Feedback Company), associated data `review_systems:<id>:credentials_enc`. The cached FBC bearer
token lives in `access_token_enc` the same way. Functions flush but never commit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select

from portal.auth.models import User
from portal.core.crypto import SecretError, decrypt, encrypt, needs_rotation
from portal.extensions import db
from portal.reviews.models import ReviewSystem

ALLOWED_KEYS = frozenset({"token", "feed_hash", "client_id", "client_secret"})
SECRET_KEYS = ("token", "feed_hash", "client_secret")
FEED_HASH = "feed_hash"


def _aad(system: ReviewSystem, column: str) -> str:
    return f"review_systems:{system.id}:{column}"


def _ensure_id(system: ReviewSystem) -> None:
    """Encryption binds the row id, so a new row is flushed first."""
    if system.id is None:
        db.session.add(system)
        db.session.flush()


def secret_hint(payload: Mapping[str, str]) -> str:
    """Last four characters of the secret, only when it is long enough (else nothing)."""
    secret = next((payload[k] for k in SECRET_KEYS if payload.get(k)), "")
    return secret[-4:] if len(secret) >= 8 else ""


def store_credentials(system: ReviewSystem, payload: Mapping[str, str]) -> None:
    """Encrypt and store the credentials; clears a cached FBC token of older credentials.

    :raises ValueError: unknown keys or non-string values in `payload`.
    """
    if not payload or set(payload) - ALLOWED_KEYS:
        raise ValueError(
            "credentials payload must hold token, feed_hash or client_id/client_secret only"
        )
    if not all(isinstance(v, str) for v in payload.values()):
        raise ValueError("credential values must be strings")
    _ensure_id(system)
    plaintext = json.dumps(dict(payload), separators=(",", ":"), sort_keys=True)
    system.credentials_enc = encrypt(plaintext, aad=_aad(system, "credentials_enc"))
    system.secret_hint = secret_hint(payload)
    system.access_token_enc = None
    system.access_token_expires_at = None
    db.session.flush()


def read_credentials(system: ReviewSystem) -> dict[str, str] | None:
    """The decrypted payload, or None when nothing is stored.

    :raises SecretError: unknown key, tampered value or a payload moved from another row.
    """
    if not system.credentials_enc:
        return None
    plaintext = decrypt(system.credentials_enc, aad=_aad(system, "credentials_enc"))
    try:
        data = json.loads(plaintext)
    except ValueError as exc:
        raise SecretError("credentials payload is not JSON") from exc
    if not isinstance(data, dict):
        raise SecretError("credentials payload is not an object")
    return {k: v for k, v in data.items() if k in ALLOWED_KEYS and isinstance(v, str)}


def credential_kind(system: ReviewSystem) -> str | None:
    """ "token", "feed_hash" or "client" for the stored credentials; None when none are readable."""
    try:
        payload = read_credentials(system)
    except SecretError:
        return None
    if not payload:
        return None
    for kind in ("token", FEED_HASH):
        if payload.get(kind):
            return kind
    return "client" if payload.get("client_secret") else None


def clear_credentials(system: ReviewSystem) -> None:
    """Forget credentials and any cached token (unlink, switch)."""
    system.credentials_enc = None
    system.secret_hint = ""
    system.access_token_enc = None
    system.access_token_expires_at = None
    db.session.flush()


def store_access_token(
    system: ReviewSystem, token: str | None, expires_at: datetime | None
) -> None:
    """Cache (or with None, drop) the FBC bearer token for later runs and workers."""
    _ensure_id(system)
    if not token:
        system.access_token_enc = None
        system.access_token_expires_at = None
    else:
        system.access_token_enc = encrypt(token, aad=_aad(system, "access_token_enc"))
        system.access_token_expires_at = expires_at
    db.session.flush()


def read_access_token(system: ReviewSystem) -> tuple[str | None, datetime | None]:
    """The cached FBC bearer token and its expiry; (None, None) when absent or unreadable."""
    if not system.access_token_enc:
        return None, None
    try:
        token = decrypt(system.access_token_enc, aad=_aad(system, "access_token_enc"))
    except SecretError:
        return None, None  # a cache: fetching a new token is always possible
    return token, system.access_token_expires_at


@dataclass
class RotationReport:
    """Counts of one `rotate-secrets` run."""

    rotated: int = 0
    current: int = 0
    failed: list[str] = field(default_factory=list)  # "table:id:column", never values


def _rotate(value: str | None, aad: str, report: RotationReport) -> str | None:
    if not value:
        return value
    if not needs_rotation(value):
        report.current += 1
        return value
    try:
        plaintext = decrypt(value, aad=aad)
    except SecretError:
        report.failed.append(aad)
        return value
    report.rotated += 1
    return encrypt(plaintext, aad=aad)


def _stored_secrets():
    """Every encrypted value at rest: (row, column, aad) for provider credentials, cached FBC
    tokens and users' TOTP seeds."""
    systems = db.session.scalars(
        select(ReviewSystem)
        .where(
            or_(
                ReviewSystem.credentials_enc.is_not(None),
                ReviewSystem.access_token_enc.is_not(None),
            )
        )
        .order_by(ReviewSystem.id)
    )
    for system in systems:
        for column in ("credentials_enc", "access_token_enc"):
            yield system, column, _aad(system, column)
    users = db.session.scalars(
        select(User).where(User.totp_secret_enc.is_not(None)).order_by(User.id)
    )
    for user in users:
        yield user, "totp_secret_enc", f"users:{user.id}:totp_secret_enc"


def rotate_all() -> RotationReport:
    """Re-encrypt every secret with the current key (the first in SECRETS_KEYS).

    Covers review-system credentials, cached FBC tokens and users' TOTP seeds. Values that
    cannot be decrypted are left as they are and listed by location only.
    """
    report = RotationReport()
    for row, column, aad in _stored_secrets():
        setattr(row, column, _rotate(getattr(row, column), aad, report))
    db.session.flush()
    return report


def verify_all() -> RotationReport:
    """Try to decrypt every stored secret with SECRETS_KEYS, changing nothing.

    `current` counts the values that decrypt; `failed` lists the others by location only
    (`flask doctor`, `flask restore-check`).
    """
    report = RotationReport()
    for row, column, aad in _stored_secrets():
        value = getattr(row, column)
        if not value:
            continue
        try:
            decrypt(value, aad=aad)
        except SecretError:
            report.failed.append(aad)
        else:
            report.current += 1
    return report
