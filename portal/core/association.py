"""The association's legal identity and its sub-processors, as configured (portal/config.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from portal.config import legal

# The review platforms are part of the portal itself; only the one a member chooses receives data.
REVIEW_PROVIDERS = (
    {
        "name": "Klantenvertellen",
        "service": "beoordelingsplatform: uitnodigingen versturen en beoordelingen ophalen, "
        "alleen als het lidbedrijf dit platform gebruikt",
        "location": "Nederland (EU)",
    },
    {
        "name": "Kiyoh",
        "service": "beoordelingsplatform: uitnodigingen versturen en beoordelingen ophalen, "
        "alleen als het lidbedrijf dit platform gebruikt",
        "location": "Nederland (EU)",
    },
    {
        "name": "Feedback Company",
        "service": "beoordelingsplatform: uitnodigingen, alleen als het lidbedrijf dit "
        "platform gebruikt",
        "location": "Nederland (EU)",
    },
)


# Words a configured sub-processor usually has, so English pages can show them without an
# English variant in SUBPROCESSORS; the review platforms' texts above are here as well.
KNOWN_TERMS = (
    _l("hosting"),
    _l("e-mail"),
    _l("back-up"),
    _l("e-maildienst"),
    _l("back-updienst"),
    _l("hostingpartij"),
    _l("foutmeldingen"),
    _l("Nederland (EU)"),
    _l("Duitsland (EU)"),
    _l("België (EU)"),
    _l("Ierland (EU)"),
    _l("Frankrijk (EU)"),
    _l("Nederland"),
    _l("Duitsland"),
    _l("Ierland"),
    _l(
        "beoordelingsplatform: uitnodigingen versturen en beoordelingen ophalen, alleen als "
        "het lidbedrijf dit platform gebruikt"
    ),
    _l("beoordelingsplatform: uitnodigingen, alleen als het lidbedrijf dit platform gebruikt"),
)
AGREEMENT_KEYS = ("name", "service", "location")

# A configured location counts as inside the European Economic Area only when it says so: a
# marker "(EU)", "(EER)" or "(EEA)", or nothing but the name of an EEA country. Anything else
# (a host name, "Verenigde Staten", "Duitsland en VS") counts as outside: the privacy statement
# then names the transfer instead of denying it.
_EEA_MARKER = re.compile(r"\((EU|EER|EEA)\)", re.IGNORECASE)
EEA_COUNTRIES = frozenset(
    [
        "nederland",
        "belgië",
        "belgie",
        "luxemburg",
        "duitsland",
        "frankrijk",
        "ierland",
        "oostenrijk",
        "italië",
        "italie",
        "spanje",
        "portugal",
        "griekenland",
        "cyprus",
        "malta",
        "denemarken",
        "zweden",
        "finland",
        "estland",
        "letland",
        "litouwen",
        "polen",
        "tsjechië",
        "tsjechie",
        "slowakije",
        "hongarije",
        "slovenië",
        "slovenie",
        "kroatië",
        "kroatie",
        "roemenië",
        "roemenie",
        "bulgarije",
        "ijsland",
        "noorwegen",
        "liechtenstein",
        "netherlands",
        "belgium",
        "luxembourg",
        "germany",
        "france",
        "ireland",
        "austria",
        "italy",
        "spain",
        "greece",
        "denmark",
        "sweden",
        "estonia",
        "latvia",
        "lithuania",
        "poland",
        "czechia",
        "slovakia",
        "hungary",
        "slovenia",
        "croatia",
        "romania",
        "bulgaria",
        "iceland",
        "norway",
    ]
)


@dataclass(frozen=True)
class Association:
    """Who the association is: processor in the agreement, controller in the privacy statement."""

    name: str
    kvk: str
    address: str
    signatory_name: str
    signatory_function: str
    privacy_email: str
    privacy_phone: str = ""
    dpo_name: str = ""
    dpo_email: str = ""
    demo: bool = False

    @property
    def signatory(self) -> str:
        """Name and function of the person who signs for the association."""
        return ", ".join(p for p in (self.signatory_name, self.signatory_function) if p)

    @property
    def privacy_contact(self) -> str:
        """E-mail address and, when configured, phone number for privacy matters and breaches."""
        return " / ".join(p for p in (self.privacy_email, self.privacy_phone) if p)

    @property
    def dpo(self) -> str:
        """The data protection officer, or '' when the association has none."""
        return ", ".join(p for p in (self.dpo_name, self.dpo_email) if p)

    def as_dict(self) -> dict[str, str]:
        """The identity as printed in a frozen agreement version (demo flag included)."""
        return {
            "name": self.name,
            "kvk": self.kvk,
            "address": self.address,
            "signatory_name": self.signatory_name,
            "signatory_function": self.signatory_function,
            "privacy_email": self.privacy_email,
            "privacy_phone": self.privacy_phone,
            "dpo_name": self.dpo_name,
            "dpo_email": self.dpo_email,
            "demo": "ja" if self.demo else "",
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, str]) -> Association:
        """Rebuild the identity stored with an agreement version."""
        fields = {k: str(data.get(k, "")) for k in cls.__dataclass_fields__ if k != "demo"}
        return cls(**fields, demo=bool(data.get("demo")))


def from_config(config: Mapping | None = None) -> Association:
    """The association as configured for this app."""
    config = current_app.config if config is None else config
    return Association(
        name=config["ASSOCIATION_NAME"],
        kvk=config["ASSOCIATION_KVK"],
        address=config["ASSOCIATION_ADDRESS"],
        signatory_name=config["ASSOCIATION_SIGNATORY_NAME"],
        signatory_function=config["ASSOCIATION_SIGNATORY_FUNCTION"],
        privacy_email=config["PRIVACY_CONTACT_EMAIL"],
        privacy_phone=config.get("PRIVACY_CONTACT_PHONE", ""),
        dpo_name=config.get("ASSOCIATION_DPO_NAME", ""),
        dpo_email=config.get("ASSOCIATION_DPO_EMAIL", ""),
        demo=bool(config.get("ASSOCIATION_DEMO")),
    )


def subprocessors(config: Mapping | None = None) -> list[dict[str, str]]:
    """Every sub-processor of the annex: configured hosting, mail, back-up, error tracking
    (only while configured), then the platforms."""
    config = current_app.config if config is None else config
    return [
        {key: item[key] for key in AGREEMENT_KEYS}
        for item in [*config.get("SUBPROCESSORS", []), *error_tracking(config)]
    ] + [dict(item) for item in REVIEW_PROVIDERS]


def error_tracking(config: Mapping) -> list[dict[str, str]]:
    """The error-tracking service (a sub-processor) while `SENTRY_DSN` is set, else nothing."""
    dsn = config.get("SENTRY_DSN")
    if not dsn:
        return []
    return [dict(config.get("SENTRY_SUBPROCESSOR") or legal.error_tracking_default(dsn))]


def in_eea(location: str) -> bool:
    """Whether a configured location is declared inside the EEA (see `_EEA_MARKER`)."""
    text = location.strip()
    return bool(_EEA_MARKER.search(text)) or text.casefold() in EEA_COUNTRIES


def outside_eea(config: Mapping | None = None) -> list[str]:
    """Names of the configured sub-processors (hosting, mail, back-up, error tracking while
    configured) whose location is not declared inside the EEA; the review platforms are Dutch.
    Error tracking without `SENTRY_SUBPROCESSOR` counts: its location is only the DSN's host."""
    config = current_app.config if config is None else config
    return [
        item["name"]
        for item in [*config.get("SUBPROCESSORS", []), *error_tracking(config)]
        if not in_eea(item["location"])
    ]


def public_subprocessors(config: Mapping | None = None) -> list[dict[str, str]]:
    """Every sub-processor (configured hosting, mail, back-up, error tracking while configured,
    then the review platforms) in the page's language, for the privacy statement.

    English pages use the entry's own English (`service_en`, `location_en`) when configured,
    else the catalogue's translation of the Dutch, else the Dutch as configured. Names are
    proper names and stay as they are. The agreement keeps the Dutch (`subprocessors`).
    """
    from portal.core.i18n import is_english

    config = current_app.config if config is None else config
    english = is_english()
    shown = []
    for item in [*config.get("SUBPROCESSORS", []), *error_tracking(config), *REVIEW_PROVIDERS]:
        entry = {"name": item["name"]}
        for key in ("service", "location"):
            own = item.get(f"{key}_en") if english else ""
            entry[key] = own or (gettext(item[key]) if english else item[key])
        shown.append(entry)
    return shown
