"""The typed sections of the portal's settings, one per feature area.

Each section is a frozen dataclass whose fields name the setting they come from (the
environment variable, which is also the app-config key). `read` builds a section from either
source and validates it; `flat` gives the app-config keys back; `of` reads the current app's
section (a few dictionary lookups, cheap enough for a request).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

from portal.config import values
from portal.config.values import ConfigError

PDOK_URL = "https://api.pdok.nl/bzk/locatieserver/search/v3_1/free"
PDOK_TILES_URL = (
    "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png"
)
# Upper bounds: a value past them is a typo, and would overflow a date or wait forever.
DAYS = 3650  # ten years
TIMEOUT = {"positive": True, "maximum": 600}  # seconds
# gunicorn's worker timeout in seconds (`--timeout` in deploy/systemd/ledenportaal.service; a
# test keeps them equal): a request still running then is killed and the visitor gets a 502.
WORKER_TIMEOUT = 60
# A first SSO login request calls the IdP up to three times (discovery, token, signing keys);
# together they must end within LOGIN_DEADLINE seconds (portal/auth/oidc.py enforces it), which
# leaves the rest of the worker timeout for the database and the page.
IDP_CALLS = 3
LOGIN_DEADLINE = 45
PROVIDER_HOSTS = ("www.klantenvertellen.nl", "www.kiyoh.com", "www.feedbackcompany.com")


def setting(name: str, read: Callable[..., Any], default: Any, **options: Any) -> Any:
    """A section field read from setting `name` with `read(source, name, default, **options)`."""
    return field(metadata={"setting": name, "read": read, "default": default, "options": options})


class Section:
    """Shared behaviour of the settings sections (subclasses are frozen dataclasses)."""

    # Settings whose unset value falls back to another setting (e.g. one REDIS_URL for all);
    # set empty, they stay empty.
    FALLBACKS: ClassVar[dict[str, str]] = {}

    @classmethod
    def read(cls, source: Mapping[str, Any]) -> Self:
        """Build and validate the section from the environment or an app config.

        :raises ConfigError: a setting cannot be understood or the combination is unsafe.
        """
        found = {}
        for item in fields(cls):  # type: ignore[arg-type]
            meta = item.metadata
            name = meta["setting"]
            if source.get(name) is None and name in cls.FALLBACKS:  # unset, not set empty
                name = cls.FALLBACKS[name]
            found[item.name] = meta["read"](source, name, meta["default"], **meta["options"])
        section = cls(**found)
        section.check()
        return section

    @classmethod
    def of(cls, config: Mapping[str, Any] | None = None) -> Self:
        """The section of `config`, by default the current app's."""
        if config is None:
            from flask import current_app

            config = current_app.config
        return cls.read(config)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The settings this section reads."""
        return tuple(item.metadata["setting"] for item in fields(cls))  # type: ignore[arg-type]

    def check(self) -> None:
        """Cross-field rules; raise ConfigError. Nothing by default."""

    def flat(self) -> dict[str, Any]:
        """The app-config keys and values of this section (lists where the config had lists)."""
        result = {}
        for item in fields(self):  # type: ignore[arg-type]
            value = getattr(self, item.name)
            result[item.metadata["setting"]] = list(value) if isinstance(value, tuple) else value
        return result


def tile_url(source: Mapping[str, Any], name: str, default: str) -> str:
    """An http(s) map-tile template with {z}, {x} and {y}."""
    url = values.http_url(source, name, default)
    if not all(part in url for part in ("{z}", "{x}", "{y}")):
        raise ConfigError(f"{name} needs {{z}}, {{x}} and {{y}}, got {url!r}")
    return url


def base_urls(source: Mapping[str, Any], name: str, default: str) -> str:
    """`provider=http(s)://host,...`; the provider names are checked by portal/reviews."""
    raw = values.text(source, name, default)
    for part in filter(None, (part.strip() for part in raw.split(","))):
        provider, _, url = part.partition("=")
        parts = urlsplit(url.strip())
        if not provider.strip() or parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"{name} entries must be 'provider=http(s)://host', got {part!r}")
    return raw


def domains(source: Mapping[str, Any], name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    """A comma-separated list of e-mail domains, lower case."""
    return tuple(domain.lower() for domain in values.words(source, name, default))


def dashboard_urls(source: Mapping[str, Any], name: str, default: str) -> str:
    """PROVIDER_DASHBOARD_URLS, checked by the reviews feature's own parser."""
    from portal.reviews.dashboard import DashboardSettingError, parse_templates

    raw = values.text(source, name, default)
    try:
        parse_templates(raw)
    except DashboardSettingError as exc:
        raise ConfigError(str(exc)) from exc
    return raw


@dataclass(frozen=True)
class MailSettings(Section):
    """Outgoing mail (portal/core/smtp.py) and how long sent mail is kept."""

    smtp_host: str = setting("MAIL_SMTP_HOST", values.text, "")
    smtp_port: int = setting("MAIL_SMTP_PORT", values.whole, 587, minimum=1, maximum=65535)
    smtp_user: str = setting("MAIL_SMTP_USER", values.text, "")
    smtp_password: str = setting("MAIL_SMTP_PASSWORD", values.secret, "")
    smtp_tls: str = setting(
        "MAIL_SMTP_TLS", values.choice, "starttls", choices=("starttls", "ssl", "none")
    )
    smtp_ca_file: str = setting("MAIL_SMTP_CA_FILE", values.text, "")
    smtp_timeout: int = setting("MAIL_SMTP_TIMEOUT", values.whole, 20, minimum=1, maximum=300)
    sender: str = setting("MAIL_FROM", values.text, "ledenservice@example.nl")
    retention_days: int = setting("MAIL_RETENTION_DAYS", values.whole, 30, minimum=1, maximum=DAYS)


@dataclass(frozen=True)
class DirectorySettings(Section):
    """The public ledenzoeker: cache, rate limits, geocoder, map."""

    FALLBACKS: ClassVar[dict[str, str]] = {"DIRECTORY_CACHE_REDIS_URL": "REDIS_URL"}

    cache_redis_url: str = setting("DIRECTORY_CACHE_REDIS_URL", values.text, "")
    cache_redis_prefix: str = setting("DIRECTORY_CACHE_REDIS_PREFIX", values.text, "")
    result_cache_seconds: int = setting(
        "DIRECTORY_RESULT_CACHE_SECONDS", values.seconds, 3600, maximum=30 * 24 * 3600
    )
    # How old the directory version a process holds may get without a change signal.
    version_recheck_seconds: float = setting(
        "DIRECTORY_VERSION_RECHECK_SECONDS", values.number, 1.0, maximum=60
    )
    search_rate_limit: str = setting("DIRECTORY_SEARCH_RATE_LIMIT", values.rate_limit, "120/minute")
    # Per IP, CSV and JSON together.
    export_rate_limit: str = setting("DIRECTORY_EXPORT_RATE_LIMIT", values.rate_limit, "10/hour")
    # Typo tolerance, trade words and places in the text box; off only to measure their cost.
    forgiving_search: bool = setting("DIRECTORY_FORGIVING_SEARCH", values.flag, True)
    geocoder: str = setting("GEOCODER", values.choice, "offline", choices=("offline", "pdok"))
    geocoder_pdok_url: str = setting("GEOCODER_PDOK_URL", values.http_url, PDOK_URL)
    # {z}/{x}/{y} template; its host joins the search page's CSP img-src.
    map_tile_url: str = setting("DIRECTORY_MAP_TILE_URL", tile_url, PDOK_TILES_URL)
    map_attribution: str = setting(
        "DIRECTORY_MAP_ATTRIBUTION",
        values.text,
        "Kaartgegevens © Kadaster (BRT-Achtergrondkaart, PDOK)",
    )


@dataclass(frozen=True)
class ReviewSettings(Section):
    """When a score is public (DOMAIN.md) and how often reviews are fetched."""

    min_count: int = setting("REVIEW_MIN_COUNT", values.whole, 5, minimum=1, maximum=1000)
    max_age_days: int = setting("REVIEW_MAX_AGE_DAYS", values.whole, 30, minimum=1, maximum=DAYS)
    sync_interval_hours: int = setting(
        "REVIEW_SYNC_INTERVAL_HOURS", values.whole, 24, minimum=1, maximum=24 * 31
    )


@dataclass(frozen=True)
class ProviderSettings(Section):
    """Outbound calls to the review providers (PROVIDERS.md §5): where, how long, how often."""

    base_urls: str = setting("PROVIDER_BASE_URLS", base_urls, "")
    allowed_hosts: tuple[str, ...] = setting("PROVIDER_ALLOWED_HOSTS", values.words, PROVIDER_HOSTS)
    max_response_bytes: int = setting(
        "PROVIDER_MAX_RESPONSE_BYTES",
        values.whole,
        2 * 1024 * 1024,
        minimum=1,
        maximum=64 * 1024 * 1024,
    )
    connect_timeout: float = setting("PROVIDER_CONNECT_TIMEOUT", values.number, 3.0, **TIMEOUT)
    read_timeout: float = setting("PROVIDER_READ_TIMEOUT", values.number, 5.0, **TIMEOUT)
    invite_timeout: float = setting("PROVIDER_INVITE_TIMEOUT", values.number, 10.0, **TIMEOUT)
    # The whole request, including a slowly dripped body.
    request_deadline: float = setting("PROVIDER_REQUEST_DEADLINE", values.number, 20.0, **TIMEOUT)
    kv_invite_ref_field: str = setting("KV_INVITE_REF_FIELD", values.text, "reference_code")
    dashboard_urls: str = setting("PROVIDER_DASHBOARD_URLS", dashboard_urls, "")
    attempts: int = setting("SYNC_ATTEMPTS", values.whole, 3, minimum=1, maximum=10)
    backoff_base: float = setting("SYNC_BACKOFF_BASE", values.number, 1.0, maximum=300)
    backoff_cap: float = setting("SYNC_BACKOFF_CAP", values.number, 30.0, maximum=3600)
    max_retry_after: float = setting("SYNC_MAX_RETRY_AFTER", values.number, 30.0, maximum=3600)
    default_retry_after: float = setting(
        "SYNC_DEFAULT_RETRY_AFTER", values.number, 60.0, maximum=3600
    )
    link_deadline: float = setting("SYNC_LINK_DEADLINE", values.number, 60.0, **TIMEOUT)
    max_workers: int = setting("SYNC_MAX_WORKERS", values.whole, 8, minimum=1, maximum=64)
    max_per_host: int = setting("SYNC_MAX_PER_HOST", values.whole, 4, minimum=1, maximum=64)


@dataclass(frozen=True)
class InvitationSettings(Section):
    """Review invitations: how long data is kept (at most 90 days), repeats, upload size."""

    MAX_RETENTION_DAYS: ClassVar[int] = 90  # DOMAIN.md §b rule 15: configurable lower only

    retention_setting: int = setting(
        "INVITATION_RETENTION_DAYS", values.whole, 90, minimum=1, maximum=DAYS
    )
    dedupe_setting: int = setting("INVITE_DEDUPE_DAYS", values.whole, 30, minimum=0, maximum=DAYS)
    max_rows: int = setting("INVITE_MAX_ROWS", values.whole, 5000, minimum=1, maximum=100_000)
    # Key of the pseudonymised customer e-mail hashes; derived from SECRET_KEY when empty.
    hash_key: str = setting("INVITE_HASH_KEY", values.secret, "")

    @property
    def retention_days(self) -> int:
        """Days invitation data is kept: the setting, never above 90."""
        return min(self.retention_setting, self.MAX_RETENTION_DAYS)

    @property
    def dedupe_days(self) -> int:
        """Days one address is not invited twice by a company (0: no check), within retention."""
        return min(self.dedupe_setting, self.retention_days)


@dataclass(frozen=True)
class ComplaintSettings(Section):
    """The complaint register: retention, what counts as a negative review, public form limit."""

    retention_days: int = setting(
        "COMPLAINTS_RETENTION_DAYS", values.whole, 730, minimum=1, maximum=DAYS
    )
    negative_below: float = setting("COMPLAINTS_NEGATIVE_BELOW", values.number, 6.0, maximum=10)
    public_rate: str = setting("COMPLAINTS_PUBLIC_RATE", values.rate_limit, "5/hour")
    # Working days: Good Friday and 5 May every year count as holidays when switched on
    # (by default only in lustrum years, as most collective agreements have it).
    good_friday: bool = setting("COMPLAINTS_GOOD_FRIDAY", values.flag, False)
    liberation_yearly: bool = setting("COMPLAINTS_LIBERATION_YEARLY", values.flag, False)


@dataclass(frozen=True)
class PrivacySettings(Section):
    """Retention of customer data after a membership ends (processor agreement clause G)."""

    membership_end_data_days: int = setting(
        "MEMBERSHIP_END_DATA_DAYS", values.whole, 30, minimum=0, maximum=DAYS
    )


@dataclass(frozen=True)
class OidcSettings(Section):
    """Single sign-on with the association's OpenID Connect provider; off without an issuer."""

    issuer: str = setting("OIDC_ISSUER", values.text, "")
    client_id: str = setting("OIDC_CLIENT_ID", values.text, "")
    client_secret: str = setting("OIDC_CLIENT_SECRET", values.secret, "")
    scopes: str = setting("OIDC_SCOPES", values.text, "openid email profile")
    groups_claim: str = setting("OIDC_GROUPS_CLAIM", values.text, "groups")
    staff_groups: tuple[str, ...] = setting("OIDC_STAFF_GROUPS", values.words, ())
    admin_groups: tuple[str, ...] = setting("OIDC_ADMIN_GROUPS", values.words, ())
    allowed_domains: tuple[str, ...] = setting("OIDC_ALLOWED_DOMAINS", domains, ())
    mfa_acr: tuple[str, ...] = setting("OIDC_MFA_ACR", values.words, ())
    # Seconds per call to the IdP (discovery, token, signing keys): connecting, then each read.
    # A first login makes up to IDP_CALLS of them in one request, so IDP_CALLS x (connect + read)
    # must stay within LOGIN_DEADLINE, well under gunicorn's worker timeout (see check).
    connect_timeout: float = setting(
        "OIDC_CONNECT_TIMEOUT", values.number, 3.05, positive=True, maximum=LOGIN_DEADLINE
    )
    read_timeout: float = setting(
        "OIDC_READ_TIMEOUT", values.number, 10.0, positive=True, maximum=LOGIN_DEADLINE
    )
    used_for: str = setting(
        "OIDC_FOR", values.choice, "staff", choices=("staff", "members", "both")
    )
    # False: staff and admins log in through SSO only.
    staff_password_login: bool = setting("STAFF_PASSWORD_LOGIN", values.flag, True)

    def check(self) -> None:
        if IDP_CALLS * (self.connect_timeout + self.read_timeout) > LOGIN_DEADLINE:
            raise ConfigError(
                f"OIDC_CONNECT_TIMEOUT and OIDC_READ_TIMEOUT together must be "
                f"{LOGIN_DEADLINE / IDP_CALLS:g} seconds or less: a login request makes up to "
                f"{IDP_CALLS} calls to the IdP and must end within {LOGIN_DEADLINE} seconds, "
                f"under gunicorn's worker timeout of {WORKER_TIMEOUT} seconds."
            )
        if not self.issuer:
            return
        parts = urlsplit(self.issuer)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"OIDC_ISSUER must be an http(s) URL, got {self.issuer!r}")
        if not self.client_id:
            raise ConfigError("OIDC_ISSUER is set but OIDC_CLIENT_ID is not.")


@dataclass(frozen=True)
class PasskeySettings(Section):
    """WebAuthn relying party; the id defaults to PUBLIC_BASE_URL's host (portal/auth/passkeys.py)."""

    rp_id: str = setting("PASSKEY_RP_ID", values.text, "")
    rp_name: str = setting("PASSKEY_RP_NAME", values.text, "Ledenportaal")


@dataclass(frozen=True)
class ObservabilitySettings(Section):
    """Metrics and optional error tracking (portal/ops)."""

    metrics_token: str = setting("METRICS_TOKEN", values.secret, "")
    sentry_dsn: str = setting("SENTRY_DSN", values.text, "")
    sentry_environment: str = setting("SENTRY_ENVIRONMENT", values.text, "")
    sentry_release: str = setting("SENTRY_RELEASE", values.text, "")


def age_recipients(
    source: Mapping[str, Any], name: str, default: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """A comma-separated list of age public keys (`age1...`), each checked by the age library."""
    import pyrage

    keys = values.words(source, name, default)
    for key in keys:
        try:
            pyrage.x25519.Recipient.from_str(key)
        except pyrage.RecipientError as exc:
            raise ConfigError(f"{name}: {key[:12]}... is not an age public key (age1...)") from exc
    return keys


@dataclass(frozen=True)
class BackupSettings(Section):
    """`flask backup`: how long backups are kept and to whom they are encrypted (portal/ops)."""

    # Backups older than this are deleted after each successful backup; the privacy statement
    # promises customer data leaves the backups at most 30 days after it leaves the database.
    retention_days: int = setting("BACKUP_RETENTION_DAYS", values.whole, 30, minimum=1, maximum=30)
    # age public keys; the private key stays off the portal host ("keys apart from backups").
    age_recipients: tuple[str, ...] = setting("BACKUP_AGE_RECIPIENTS", age_recipients, ())
    # Where `flask backup` writes by default and `flask doctor` looks for the newest backup;
    # empty: instance/backups. A relative path is under the instance folder.
    folder: str = setting("BACKUP_FOLDER", values.text, "")


# Every section a feature can ask for, validated together when the app starts.
SECTIONS: tuple[type[Section], ...] = (
    MailSettings,
    DirectorySettings,
    ReviewSettings,
    ProviderSettings,
    InvitationSettings,
    ComplaintSettings,
    PrivacySettings,
    OidcSettings,
    PasskeySettings,
    ObservabilitySettings,
    BackupSettings,
)
