"""The association's legal identity and its sub-processors (AVG art. 13, 14 and 28).

Production refuses to start without them; development and tests get marked demo values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from portal.config.values import ConfigError

# The association's legal identity (AVG art. 13 and 28): production refuses to start without it.
ASSOCIATION_REQUIRED = (
    "ASSOCIATION_NAME",
    "ASSOCIATION_KVK",
    "ASSOCIATION_ADDRESS",
    "ASSOCIATION_SIGNATORY_NAME",
    "ASSOCIATION_SIGNATORY_FUNCTION",
    "PRIVACY_CONTACT_EMAIL",
)
ASSOCIATION_OPTIONAL = ("PRIVACY_CONTACT_PHONE", "ASSOCIATION_DPO_NAME", "ASSOCIATION_DPO_EMAIL")
# Development and tests only; every page, mail and PDF that shows them says they are demo data.
ASSOCIATION_DEMO = {
    "ASSOCIATION_NAME": "Vereniging van Installatiebedrijven",
    "ASSOCIATION_KVK": "00000000",
    "ASSOCIATION_ADDRESS": "Demostraat 1, 1234 AB Voorbeeldstad",
    "ASSOCIATION_SIGNATORY_NAME": "D. Demo",
    "ASSOCIATION_SIGNATORY_FUNCTION": "directeur (demo)",
    "PRIVACY_CONTACT_EMAIL": "privacy@example.nl",
}
KVK_LENGTH = 8


def association(env: Mapping[str, str], production: bool, strict: bool = True) -> dict:
    """The association's legal identity; demo defaults (marked) outside production.

    `flask doctor` (not strict) gets the demo values and `ASSOCIATION_MISSING`, so that
    `deploy_problems` can name what is missing.

    :raises ConfigError: production without every required field, or a malformed KvK number.
    """
    values: dict[str, Any] = {name: (env.get(name) or "").strip() for name in ASSOCIATION_REQUIRED}
    missing = [name for name, value in values.items() if not value]
    if strict and production and missing:
        raise ConfigError(
            "Production needs the association's legal identity for the processor agreement, "
            "the privacy statement and mails; set " + ", ".join(missing) + "."
        )
    demo = bool(missing)
    if demo:
        values = dict(ASSOCIATION_DEMO)
    kvk = values["ASSOCIATION_KVK"]
    if strict and not (kvk.isdigit() and len(kvk) == KVK_LENGTH):
        raise ConfigError(f"ASSOCIATION_KVK must be 8 digits, got {kvk!r}")
    if strict and "@" not in values["PRIVACY_CONTACT_EMAIL"]:
        raise ConfigError("PRIVACY_CONTACT_EMAIL must be an e-mail address")
    values.update({name: (env.get(name) or "").strip() for name in ASSOCIATION_OPTIONAL})
    values["ASSOCIATION_DEMO"] = demo
    values["ASSOCIATION_MISSING"] = missing
    return values


def subprocessors(
    env: Mapping[str, str], production: bool, strict: bool = True
) -> list[dict[str, str]]:
    """`SUBPROCESSORS`: entries `name|service|location` separated by `;` (AVG art. 28(2)).

    An entry may carry the English for the public pages after the Dutch:
    `name|service|location|service in English|location in English`. Without it the English
    pages look the Dutch up in the catalogue (the usual words such as hosting, e-mail,
    back-up, "Nederland (EU)" are there) and otherwise show it as configured.

    :raises ConfigError: production without the list, or a malformed entry.
    """
    raw = (env.get("SUBPROCESSORS") or "").strip()
    if not raw and production and strict:
        raise ConfigError(
            "Production needs SUBPROCESSORS (hosting, e-mail and back-up providers as "
            "'name|service|location;...') for the processor agreement's annex."
        )
    if not raw:
        return [dict(item) for item in DEMO_SUBPROCESSORS]
    result = []
    for entry in raw.split(";"):
        if not entry.strip():
            continue
        result.append(_entry("SUBPROCESSORS", entry))
    return result


def _entry(name: str, entry: str) -> dict[str, str]:
    parts = [part.strip() for part in entry.split("|")]
    if len(parts) not in (3, 5) or not all(parts):
        raise ConfigError(
            f"{name} entries must be 'name|service|location' or "
            f"'name|service|location|service_en|location_en', got {entry.strip()!r}"
        )
    item = {"name": parts[0], "service": parts[1], "location": parts[2]}
    if len(parts) == 5:
        item.update(service_en=parts[3], location_en=parts[4])
    return item


def error_tracking(env: Mapping[str, str]) -> dict[str, str] | None:
    """`SENTRY_SUBPROCESSOR`: the error-tracking service as one `SUBPROCESSORS` entry.

    The annex names it only while `SENTRY_DSN` is set (`portal.core.association`); without
    this setting it says `error_tracking_default` and `flask doctor` warns in production.

    :raises ConfigError: a malformed entry.
    """
    raw = (env.get("SENTRY_SUBPROCESSOR") or "").strip()
    return _entry("SENTRY_SUBPROCESSOR", raw) if raw else None


def error_tracking_default(dsn: str) -> dict[str, str]:
    """The annex entry for a DSN without `SENTRY_SUBPROCESSOR`: Sentry at the DSN's host."""
    return {"name": "Sentry", "service": "foutmeldingen", "location": urlsplit(dsn).hostname or "?"}


# The review providers are fixed by the portal; hosting, mail and back-up come from SUBPROCESSORS.
DEMO_SUBPROCESSORS = (
    {"name": "Demo Hosting B.V. (demo)", "service": "hosting", "location": "Nederland (EU)"},
    {"name": "Demo Mail B.V. (demo)", "service": "e-mail", "location": "Nederland (EU)"},
    {"name": "Demo Backup B.V. (demo)", "service": "back-up", "location": "Duitsland (EU)"},
)
