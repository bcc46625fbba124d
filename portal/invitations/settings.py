"""Invitation settings: retention (90 days at most), repeat period, row cap, e-mail hashing.

The values come from the typed `InvitationSettings` section (portal/config/sections.py).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from portal.config import InvitationSettings

MAX_RETENTION_DAYS = InvitationSettings.MAX_RETENTION_DAYS
STALE_SENDING_MINUTES = 15


def retention_days(config: Mapping) -> int:
    """Days invitation data is kept: configurable lower, never above 90 (DOMAIN.md §b rule 15)."""
    return InvitationSettings.read(config).retention_days


def dedupe_days(config: Mapping) -> int:
    """Period in which one address is not invited twice by the same company (0 = no check)."""
    return InvitationSettings.read(config).dedupe_days


def max_rows(config: Mapping) -> int:
    """Most invitations one upload may hold (5,000)."""
    return InvitationSettings.read(config).max_rows


def email_hash(email: str, config: Mapping) -> str:
    """Salted (keyed) SHA-256 of a normalised address: lets us match it without storing it."""
    key = (
        InvitationSettings.read(config).hash_key
        or hmac.new(
            str(config["SECRET_KEY"]).encode(), b"invite-email-hash", hashlib.sha256
        ).hexdigest()
    )
    return hmac.new(str(key).encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()
