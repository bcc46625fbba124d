"""Passkeys (WebAuthn, py_webauthn): registration, login and the second login step.

A passkey is stored as its credential id, COSE public key and signature counter. Ceremonies ask
for user verification (PIN or biometrics on the device), so a passkey login counts as two
factors. The challenge of a ceremony lives only as a SHA-256 hash in the signed session; the
browser's answer carries the challenge itself, which must hash to that value. A used challenge's
hash is recorded in the database (`idempotency_keys`, scope `webauthn:<purpose>`, shared by every
worker and host) for the challenge's lifetime, so a captured pre-login cookie with its answer
cannot be replayed: the session cookie alone is only one-use per browser.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app, session
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, LargeBinary, String, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from portal.auth.models import User
from portal.config import PasskeySettings
from portal.core import audit
from portal.core.concurrency import IdempotencyKey
from portal.core.db import UTCDateTime, new_uuid, utcnow
from portal.extensions import Model, db

MAX_PASSKEYS = 10
CEREMONY_SECONDS = 300


class Passkey(Model):
    """A WebAuthn credential of a user (public key only; the private key never leaves the device)."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)  # base64url
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Passkey {self.id} user={self.user_id}>"


class PasskeyError(Exception):
    """A Dutch, user-facing reason a passkey ceremony failed."""


FAILED = _l("De passkey kon niet worden gecontroleerd. Probeer het opnieuw.")
EXPIRED = _l("Deze passkey-aanvraag is verlopen. Probeer het opnieuw.")
UNKNOWN = _l("Deze passkey is bij ons niet (meer) bekend. Log in met uw wachtwoord.")


def rp_id() -> str:
    """The relying party id: PASSKEY_RP_ID, else the host of PUBLIC_BASE_URL."""
    return PasskeySettings.of().rp_id or urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname


def origin() -> str:
    parts = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    return f"{parts.scheme}://{parts.netloc}"


def for_user(user: User) -> list[Passkey]:
    """The user's passkeys, oldest first."""
    return list(
        db.session.scalars(select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.id))
    )


def has_passkeys(user: User) -> bool:
    return bool(
        db.session.scalar(
            select(func.count()).select_from(Passkey).where(Passkey.user_id == user.id)
        )
    )


def _remember(purpose: str, challenge: bytes) -> None:
    session[f"webauthn_{purpose}"] = {
        "hash": hashlib.sha256(challenge).hexdigest(),
        "at": int(time.time()),
    }


def _challenge_from(purpose: str, credential: dict) -> bytes:
    """The challenge the browser signed, if it is the one this session asked for (once).

    :raises PasskeyError: no ceremony, expired, or another challenge.
    """
    pending = session.pop(f"webauthn_{purpose}", None)
    if not pending or time.time() - pending.get("at", 0) > CEREMONY_SECONDS:
        raise PasskeyError(EXPIRED)
    try:
        client_data = json.loads(
            base64url_to_bytes(credential["response"]["clientDataJSON"]).decode()
        )
        challenge = base64url_to_bytes(client_data["challenge"])
    except (KeyError, TypeError, ValueError, UnicodeDecodeError) as exc:
        raise PasskeyError(FAILED) from exc
    if not secrets.compare_digest(hashlib.sha256(challenge).hexdigest(), pending["hash"]):
        raise PasskeyError(FAILED)
    _use_once(purpose, pending["hash"])
    return challenge


def _use_once(purpose: str, challenge_hash: str) -> None:
    """Record the challenge as used (flushes; the route's commit keeps it), forgetting records
    older than a ceremony: their challenges are refused as expired anyway.

    :raises PasskeyError: the challenge was used before (a replayed cookie and answer).
    """
    now = utcnow()
    db.session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.scope.like("webauthn:%"),
            IdempotencyKey.created_at < now - timedelta(seconds=CEREMONY_SECONDS),
        )
    )
    db.session.add(
        IdempotencyKey(scope=f"webauthn:{purpose}", key=challenge_hash, result="", created_at=now)
    )
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise PasskeyError(EXPIRED) from exc


def parse_credential(raw: str) -> dict:
    """The browser's credential JSON (as posted in a form field).

    :raises PasskeyError: not a JSON object.
    """
    try:
        value = json.loads(raw or "")
    except ValueError as exc:
        raise PasskeyError(FAILED) from exc
    if not isinstance(value, dict) or not isinstance(value.get("response"), dict):
        raise PasskeyError(FAILED)
    return value


def registration_options(user: User) -> str:
    """JSON options for navigator.credentials.create (discoverable, user verification)."""
    options = generate_registration_options(
        rp_id=rp_id(),
        rp_name=PasskeySettings.of().rp_name,
        user_id=user.public_id.encode(),
        user_name=user.email,
        user_display_name=user.name or user.email,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
            for p in for_user(user)
        ],
    )
    _remember("register", options.challenge)
    return options_to_json(options)


def register(user: User, credential: dict, name: str) -> Passkey:
    """Verify a new passkey and store it (flushes only).

    :raises PasskeyError: the ceremony failed, or the user has the maximum number.
    """
    challenge = _challenge_from("register", credential)
    if len(for_user(user)) >= MAX_PASSKEYS:
        raise PasskeyError(_l("U heeft al het maximale aantal passkeys (10)."))
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id(),
            expected_origin=origin(),
            require_user_verification=True,
        )
    except (WebAuthnException, KeyError, TypeError, ValueError) as exc:
        raise PasskeyError(FAILED) from exc
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.session.scalar(select(Passkey.id).where(Passkey.credential_id == credential_id)):
        raise PasskeyError(_l("Deze passkey is al geregistreerd."))
    passkey = Passkey(
        user_id=user.id,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=name,
    )
    db.session.add(passkey)
    db.session.flush()
    audit.record(
        "auth.passkey_added",
        actor=user,
        subject=passkey,
        changes={"name": {"old": None, "new": name}},
    )
    return passkey


def authentication_options(purpose: str, user: User | None = None) -> str:
    """JSON options for navigator.credentials.get; `user` limits them to that user's passkeys."""
    allowed = (
        [
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id))
            for p in for_user(user)
        ]
        if user is not None
        else None
    )
    options = generate_authentication_options(
        rp_id=rp_id(),
        allow_credentials=allowed,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    _remember(purpose, options.challenge)
    return options_to_json(options)


def authenticate(purpose: str, credential: dict, user: User | None = None) -> User:
    """Verify a passkey assertion and return its user (flushes the new counter).

    :raises PasskeyError: expired or failed ceremony, unknown passkey, or another user's passkey.
    """
    challenge = _challenge_from(purpose, credential)
    credential_id = str(credential.get("id") or credential.get("rawId") or "")
    passkey = db.session.scalars(
        select(Passkey).where(Passkey.credential_id == credential_id)
    ).first()
    if passkey is None or (user is not None and passkey.user_id != user.id):
        raise PasskeyError(UNKNOWN)
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id(),
            expected_origin=origin(),
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except (WebAuthnException, KeyError, TypeError, ValueError) as exc:
        raise PasskeyError(FAILED) from exc
    owner = db.session.scalars(select(User).where(User.id == passkey.user_id)).first()
    if owner is None or not owner.active:
        raise PasskeyError(UNKNOWN)
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = utcnow()
    return owner
