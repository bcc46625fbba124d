"""Encryption of secrets at rest: AES-256-GCM with keys from the environment.

Stored form: ``v1:<key_id>:<base64(nonce|ciphertext)>``; the associated data binds a value to
its table, row and column so a ciphertext cannot be moved to another row.
"""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

from portal.config import local_secret


class SecretError(RuntimeError):
    """A secret could not be decrypted (unknown key, tampered value)."""


def parse_keys(raw: str) -> dict[str, bytes]:
    """SECRETS_KEYS (`<id>:<base64 of 32 bytes>`, comma-separated) as id -> key; `flask doctor`
    uses it to explain an unreadable value."""
    keys: dict[str, bytes] = {}
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        key_id, _, b64 = part.partition(":")
        key = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
        if len(key) != 32 or not key_id.isalnum():
            raise SecretError("every SECRETS_KEYS entry must be <id>:<base64 of 32 bytes>")
        keys[key_id] = key
    return keys


def new_key_entry(key_id: str) -> str:
    """A fresh `<id>:<base64>` entry for SECRETS_KEYS."""
    return f"{key_id}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip('=')}"


def keyring() -> tuple[str, dict[str, bytes]]:
    """The current key id (the first listed) and all keys that may decrypt."""
    raw = current_app.config.get("SECRETS_KEYS", "")
    if not raw:
        if current_app.config.get("PORTAL_ENV") == "production":
            raise SecretError("SECRETS_KEYS is not set")
        path = Path(current_app.instance_path) / "secrets_keys"
        raw = local_secret.read_or_create(path, lambda: new_key_entry("dev1"))
        current_app.config["SECRETS_KEYS"] = raw
    keys = parse_keys(raw)
    if not keys:
        raise SecretError("SECRETS_KEYS holds no key")
    return next(iter(keys)), keys


def encrypt(plaintext: str, *, aad: str) -> str:
    """Encrypt with the current key; `aad` names table:row:column."""
    key_id, keys = keyring()
    nonce = secrets.token_bytes(12)
    ct = AESGCM(keys[key_id]).encrypt(nonce, plaintext.encode(), aad.encode())
    return f"v1:{key_id}:{base64.b64encode(nonce + ct).decode()}"


def decrypt(stored: str, *, aad: str) -> str:
    """Decrypt a stored value.

    :raises SecretError: unknown format or key, or the value was tampered with.
    """
    try:
        version, key_id, b64 = stored.split(":", 2)
        blob = base64.b64decode(b64)
    except ValueError as exc:
        raise SecretError("unreadable secret") from exc
    _, keys = keyring()
    if version != "v1" or key_id not in keys:
        raise SecretError("unknown key for secret")
    try:
        return AESGCM(keys[key_id]).decrypt(blob[:12], blob[12:], aad.encode()).decode()
    except InvalidTag as exc:
        raise SecretError("secret failed authentication") from exc


def needs_rotation(stored: str) -> bool:
    """True when a value is not encrypted with the current key."""
    current, _ = keyring()
    return not stored.startswith(f"v1:{current}:")


def mask(secret: str) -> str:
    """Show at most the last four characters."""
    return "••••" + secret[-4:] if len(secret) >= 8 else "••••"
