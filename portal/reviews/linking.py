"""Live checking and saving of provider credentials (PROVIDERS.md §4), shared by members and staff.

Flushes but never commits. Secrets are passed to `portal.reviews.credentials` only; the
row keeps at most their last four characters as a hint.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.core.db import utcnow
from portal.extensions import db
from portal.providers.errors import (
    AUTH_ERROR,
    LOCATION_MISMATCH,
    NOT_FOUND,
    RATE_LIMITED,
    TRANSIENT,
    ProviderError,
    member_message,
)
from portal.providers.parsing import Stats
from portal.reviews import clients, credentials, recording
from portal.reviews.card import count_text, one_decimal, scale_text
from portal.reviews.models import Provider, ReviewSystem, SystemStatus

log = logging.getLogger(__name__)

LOCATION_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
CREDENTIAL_RE = re.compile(r"^[\x20-\x7e]{1,128}$")
# Unreachable providers: credentials may be kept as "nog niet gecontroleerd" for the sync.
UNREACHABLE = TRANSIENT | {RATE_LIMITED}


class ReviewSystemError(Exception):
    """A member action on review systems cannot be done; `field` names the form field to blame."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


@dataclass(frozen=True)
class LinkResult:
    """Outcome of a live-checked link: the saved system, whether it was verified, a Dutch note."""

    system: ReviewSystem
    checked: bool
    message: str


def credential_payload(
    provider: Provider,
    location_id: str,
    token: str,
    client_id: str,
    client_secret: str,
    *,
    feed_hash: str = "",
) -> tuple[dict[str, str], str]:
    """Trim and check the fields of PROVIDERS.md §4; returns (secret payload, location id).

    KV/Kiyoh take an API token or, without one, the hash of the older review feed.

    :raises ReviewSystemError: a field is missing or malformed.
    """
    if provider is Provider.FEEDBACK_COMPANY:
        client_id, client_secret = client_id.strip(), client_secret.strip()
        _require(CREDENTIAL_RE, client_id, "client_id", _l("Vul een geldige client-ID in."))
        _require(
            CREDENTIAL_RE, client_secret, "client_secret", _l("Vul een geldige client secret in.")
        )
        if len(client_id) > 64:
            raise ReviewSystemError(
                _l("De client-ID is te lang (maximaal 64 tekens)."), field="client_id"
            )
        return {"client_id": client_id, "client_secret": client_secret}, client_id
    location_id, token, feed_hash = location_id.strip(), token.strip(), feed_hash.strip()
    _require(
        LOCATION_ID_RE,
        location_id,
        "location_id",
        _l("Een locatie-ID bestaat uit 1 tot 64 letters, cijfers, - of _."),
    )
    if feed_hash and not token:
        _require(CREDENTIAL_RE, feed_hash, "feed_hash", _l("Vul een geldige feed-hash in."))
        return {"feed_hash": feed_hash}, location_id
    _require(CREDENTIAL_RE, token, "token", _l("Vul een geldige API-token in."))
    return {"token": token}, location_id


def _require(pattern: re.Pattern, value: str, field: str, message: str) -> None:
    if not pattern.match(value):
        raise ReviewSystemError(message, field=field)


def live_check(
    provider: Provider, location_id: str, payload: dict[str, str]
) -> tuple[Stats, None] | tuple[None, ProviderError]:
    """One call without retries; returns (stats, None) or (None, unreachable error).

    :raises ReviewSystemError: auth, not found or an unexpected answer (nothing is saved).
    """
    try:
        stats = clients.fetch_stats(
            provider,
            location_id=location_id,
            token=payload.get("token"),
            feed_hash=payload.get("feed_hash"),
            client_id=payload.get("client_id"),
            client_secret=payload.get("client_secret"),
            retries=False,
        )
    except ProviderError as exc:
        log.info(
            "link check failed provider=%s outcome=%s status=%s code=%s",
            provider.value, exc.outcome, exc.http_status, exc.error_code,
        )  # fmt: skip
        if exc.outcome in UNREACHABLE:
            return None, exc
        feed = bool(payload.get("feed_hash"))
        fields: dict[str, str] = {
            AUTH_ERROR: _secret_field(provider, feed),
            NOT_FOUND: _id_field(provider),
        }
        field = fields.get(exc.outcome, "")
        if exc.error_code == LOCATION_MISMATCH:  # the feed hash serves another location
            raise ReviewSystemError(exc.message_nl, field="location_id") from exc
        raise ReviewSystemError(
            member_message(exc.outcome, provider, location_id, feed=feed), field=field
        ) from exc
    return stats, None


def apply_check(
    system: ReviewSystem, stats: Stats | None, failure: ProviderError | None
) -> LinkResult:
    """Write a verified result (ACTIVE + snapshot) or keep the link as UNCHECKED."""
    if stats is not None:
        recording.apply_stats(system, stats)
        system.status = SystemStatus.ACTIVE
        system.activated_at = system.activated_at or utcnow()
        db.session.flush()
        return LinkResult(system, True, linked_message(system, stats))
    if failure is None:  # live_check gives figures or a failure, never neither
        raise ValueError("a link check without figures and without a failure")
    system.status = SystemStatus.UNCHECKED
    recording.record_failure(system, failure)
    db.session.flush()
    message = _(
        "%(problem)s Uw gegevens zijn opgeslagen als ‘nog niet gecontroleerd’; "
        "wij controleren ze automatisch bij de volgende synchronisatie.",
        problem=member_message(failure.outcome, system.provider, system.location_id),
    )
    log.info("link saved unchecked provider=%s outcome=%s", system.provider.value, failure.outcome)
    return LinkResult(system, False, message)


def linked_message(system: ReviewSystem, stats: Stats) -> str:
    """'Gekoppeld: {locationName}, 8,9/10 uit 42 beoordelingen' (PROVIDERS.md §4)."""
    name = stats.location_name or system.location_id
    if not stats.review_count or stats.score is None:
        return _("Gekoppeld: %(name)s, nog geen beoordelingen", name=name)
    return _(
        "Gekoppeld: %(name)s, %(score)s/%(scale)s uit %(count)s",
        name=name,
        score=one_decimal(stats.score),
        scale=scale_text(stats.scale_max),
        count=count_text(stats.review_count),
    )


def store_secrets(system: ReviewSystem, payload: dict[str, str]) -> None:
    """Encrypt the secrets onto the row; the hint keeps at most the last four characters."""
    credentials.store_credentials(system, payload)


def _secret_field(provider: Provider, feed: bool = False) -> str:
    if provider is Provider.FEEDBACK_COMPANY:
        return "client_secret"
    return "feed_hash" if feed else "token"


def _id_field(provider: Provider) -> str:
    return "client_id" if provider is Provider.FEEDBACK_COMPANY else "location_id"
