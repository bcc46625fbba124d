"""Invitation settings: retention (90 days at most), repeat period, row cap, e-mail hashing."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping, MutableMapping

MAX_RETENTION_DAYS = 90
DEFAULT_DEDUPE_DAYS = 30
DEFAULT_MAX_ROWS = 5000
STALE_SENDING_MINUTES = 15


def _env_int(name: str) -> int | None:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isdigit() else None


def load_defaults(config: MutableMapping) -> None:
    """Fill unset settings from the environment (the test mapping and app config win)."""
    for name, default in (
        ("INVITATION_RETENTION_DAYS", MAX_RETENTION_DAYS),
        ("INVITE_DEDUPE_DAYS", DEFAULT_DEDUPE_DAYS),
        ("INVITE_MAX_ROWS", DEFAULT_MAX_ROWS),
    ):
        if name not in config:
            value = _env_int(name)
            config[name] = default if value is None else value
    if "INVITE_HASH_KEY" not in config and os.environ.get("INVITE_HASH_KEY"):
        config["INVITE_HASH_KEY"] = os.environ["INVITE_HASH_KEY"]


def retention_days(config: Mapping) -> int:
    """Days invitation data is kept: configurable lower, never above 90 (DOMAIN.md §b rule 15)."""
    try:
        value = int(config.get("INVITATION_RETENTION_DAYS", MAX_RETENTION_DAYS))
    except (TypeError, ValueError):
        value = MAX_RETENTION_DAYS
    return max(1, min(value, MAX_RETENTION_DAYS))


def dedupe_days(config: Mapping) -> int:
    """Period in which one address is not invited twice by the same company (0 = no check)."""
    try:
        value = int(config.get("INVITE_DEDUPE_DAYS", DEFAULT_DEDUPE_DAYS))
    except (TypeError, ValueError):
        value = DEFAULT_DEDUPE_DAYS
    return max(0, min(value, retention_days(config)))


def max_rows(config: Mapping) -> int:
    """Most invitations one upload may hold (5,000)."""
    try:
        return max(1, int(config.get("INVITE_MAX_ROWS", DEFAULT_MAX_ROWS)))
    except (TypeError, ValueError):
        return DEFAULT_MAX_ROWS


def email_hash(email: str, config: Mapping) -> str:
    """Salted (keyed) SHA-256 of a normalised address: lets us match it without storing it."""
    key = (
        config.get("INVITE_HASH_KEY")
        or hmac.new(
            str(config["SECRET_KEY"]).encode(), b"invite-email-hash", hashlib.sha256
        ).hexdigest()
    )
    return hmac.new(str(key).encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()
