"""Sync outcomes and the provider error with its Dutch member-facing message (PROVIDERS.md §4-5)."""

from __future__ import annotations

import enum
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.core.redaction import redact
from portal.providers.catalog import PROVIDER_LABELS, Provider


class Outcome(enum.StrEnum):
    """The result of one provider call or sync attempt; the value is what `sync_attempts` stores."""

    OK = "ok"
    AUTH_ERROR = "auth_error"
    NOT_FOUND = "not_found"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    NETWORK_ERROR = "network_error"
    MALFORMED = "malformed"
    INVALID_DATA = "invalid_data"
    TOO_LARGE = "too_large"
    BAD_CONTENT_TYPE = "bad_content_type"
    REDIRECT_BLOCKED = "redirect_blocked"
    HOST_NOT_ALLOWED = "host_not_allowed"


# Short names for the members (StrEnum: each equals its stored string).
OK = Outcome.OK
AUTH_ERROR = Outcome.AUTH_ERROR
NOT_FOUND = Outcome.NOT_FOUND
RATE_LIMITED = Outcome.RATE_LIMITED
SERVER_ERROR = Outcome.SERVER_ERROR
TIMEOUT = Outcome.TIMEOUT
NETWORK_ERROR = Outcome.NETWORK_ERROR
MALFORMED = Outcome.MALFORMED
INVALID_DATA = Outcome.INVALID_DATA
TOO_LARGE = Outcome.TOO_LARGE
BAD_CONTENT_TYPE = Outcome.BAD_CONTENT_TYPE
REDIRECT_BLOCKED = Outcome.REDIRECT_BLOCKED
HOST_NOT_ALLOWED = Outcome.HOST_NOT_ALLOWED
OUTCOMES = tuple(Outcome)
# Worth another try within the same run (with backoff).
TRANSIENT = frozenset({SERVER_ERROR, TIMEOUT, NETWORK_ERROR})
# Repeated, these mean the member must fix the link ("controle nodig").
NEEDS_ATTENTION = frozenset({AUTH_ERROR, NOT_FOUND})
MAX_MESSAGE = 500

_AUTH_TOKEN = _l(
    "%(bron)s accepteert deze API-token niet. Controleer of u de token volledig hebt gekopieerd."
)
_AUTH_FEED = _l(
    "%(bron)s accepteert deze feed-hash niet. Controleer of u de hash volledig hebt gekopieerd: "
    "het deel na ‘hash=’ in de adresregel van uw reviewfeed."
)
_AUTH_CLIENT = _l(
    "%(bron)s accepteert deze client-ID/secret niet. "
    "Controleer of u de client-ID/secret volledig hebt gekopieerd."
)
_NOT_FOUND = _l(
    "Locatie-ID %(id)s is niet bekend bij %(bron)s. Controleer het nummer en het gekozen platform."
)
_RATE_LIMITED = _l("%(bron)s krijgt nu te veel verzoeken. Probeer het over enkele minuten opnieuw.")
_UNREACHABLE = _l("%(bron)s is nu niet bereikbaar. Probeer het later opnieuw.")
_UNEXPECTED = _l(
    "%(bron)s gaf een onverwacht antwoord. "
    "Probeer het later opnieuw of neem contact op met ledenservice."
)
# What went wrong and what the member can do, per outcome that is not about their credentials.
_SPECIFIC: dict[str, Any] = {  # keyed by Outcome members (str)
    MALFORMED: _l(
        "%(bron)s gaf een onverwacht antwoord: de gegevens waren onvolledig of niet leesbaar. "
        "Aan uw koppeling ligt het waarschijnlijk niet; wij proberen het bij de volgende "
        "synchronisatie opnieuw. Blijft dit zo, neem dan contact op met ledenservice."
    ),
    INVALID_DATA: _l(
        "%(bron)s gaf een onverwacht antwoord: de cijfers kunnen niet kloppen (bijvoorbeeld een "
        "score buiten de schaal of geen totaalscore). Wij tonen ze niet. Controleer uw account "
        "bij %(bron)s; klopt dat, neem dan contact op met ledenservice."
    ),
    TOO_LARGE: _l(
        "%(bron)s gaf een onverwacht antwoord: het was veel te groot en is niet verwerkt. "
        "Probeer het later opnieuw; blijft dit zo, neem dan contact op met ledenservice."
    ),
    BAD_CONTENT_TYPE: _l(
        "%(bron)s gaf een onverwacht antwoord: een webpagina in plaats van gegevens, meestal bij "
        "onderhoud of een storing. Probeer het later opnieuw."
    ),
    REDIRECT_BLOCKED: _l(
        "%(bron)s gaf een onverwacht antwoord: een doorverwijzing naar een ander adres, die wij "
        "om veiligheidsredenen niet volgen. Controleer of u het juiste platform hebt gekozen; "
        "anders neem contact op met ledenservice."
    ),
    HOST_NOT_ALLOWED: _l(
        "De verbinding met %(bron)s is door het portaal tegengehouden (adres niet toegestaan). "
        "Dit is een instelling aan onze kant: neem contact op met ledenservice."
    ),
}


LOCATION_MISMATCH = "LOCATION_MISMATCH"  # error code: a feed hash of another location
_MISMATCH = _l(
    "Deze feed-hash hoort bij locatie-ID %(feed_id)s, niet bij %(id)s. Controleer of u de "
    "locatie-ID en de feed-hash van dezelfde locatie hebt ingevuld."
)


def mismatch_message(location_id: str, feed_location_id: str) -> str:
    """The Dutch refusal when a feed hash serves another location than the one entered."""
    return str(_MISMATCH % {"feed_id": feed_location_id, "id": location_id})


def member_message(
    outcome: str, provider: Provider, location_id: str = "", *, feed: bool = False
) -> str:
    """The Dutch message a member sees for a failed outcome (PROVIDERS.md §4 table).

    `feed` names the credential of a feed-hash link (KV/Kiyoh) in the auth message.
    """
    bron = PROVIDER_LABELS[provider]
    if outcome == AUTH_ERROR:
        template = _AUTH_CLIENT if provider is Provider.FEEDBACK_COMPANY else _AUTH_TOKEN
        template = _AUTH_FEED if feed and provider is not Provider.FEEDBACK_COMPANY else template
        return str(template % {"bron": bron})
    if outcome == NOT_FOUND:
        return str(_NOT_FOUND % {"bron": bron, "id": location_id})
    if outcome == RATE_LIMITED:
        return str(_RATE_LIMITED % {"bron": bron})
    if outcome in TRANSIENT:
        return str(_UNREACHABLE % {"bron": bron})
    return str(_SPECIFIC.get(outcome, _UNEXPECTED) % {"bron": bron})


class ProviderError(Exception):
    """A provider call failed; `outcome` is one of OUTCOMES, `message_nl` is for the member.

    `detail` is the technical description for the staff attempt log (redacted, no secrets);
    `attempts` is filled in by the retry loop.
    """

    def __init__(
        self,
        outcome: str,
        message_nl: str,
        http_status: int | None = None,
        error_code: str = "",
        retry_after: float | None = None,
        *,
        detail: str = "",
    ) -> None:
        super().__init__(f"{outcome}: {detail or message_nl}")
        self.outcome = outcome
        self.message_nl = message_nl
        self.http_status = http_status
        self.error_code = error_code[:80]
        self.retry_after = retry_after
        self.detail = redact(detail)[:MAX_MESSAGE]
        self.attempts = 1

    @classmethod
    def for_provider(
        cls,
        outcome: str,
        provider: Provider,
        *,
        location_id: str = "",
        detail: str = "",
        http_status: int | None = None,
        error_code: str = "",
        retry_after: float | None = None,
    ) -> ProviderError:
        """Build the error with the standard Dutch message for this outcome and provider."""
        return cls(
            outcome,
            member_message(outcome, provider, location_id),
            http_status=http_status,
            error_code=error_code,
            retry_after=retry_after,
            detail=detail,
        )

    def log_message(self) -> str:
        """Dutch message plus technical detail, capped for `SyncAttempt.message`."""
        text = f"{self.message_nl} [{self.detail}]" if self.detail else self.message_nl
        return text[:MAX_MESSAGE]
