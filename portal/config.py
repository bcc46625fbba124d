"""Settings from environment variables, with an embedded development default."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

WEAK_SECRETS = {"", "dev", "change-me", "secret", "changeme"}
PDOK_URL = "https://api.pdok.nl/bzk/locatieserver/search/v3_1/free"
PDOK_TILES_URL = (
    "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png"
)


class ConfigError(RuntimeError):
    """The configuration is unsafe for the chosen mode."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _seconds(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value < 0:
        raise ConfigError(f"{name} must be 0 or more seconds, got {value}")
    return value


def _rate_limit(env: Mapping[str, str], name: str, default: str) -> str:
    """A Flask-Limiter rate string such as '120/minute', checked when the app starts."""
    from limits import parse_many

    raw = (env.get(name) or "").strip() or default
    try:
        parse_many(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a rate limit such as '120/minute', got {raw!r}") from exc
    return raw


def _http_url(env: Mapping[str, str], name: str, default: str) -> str:
    raw = (env.get(name) or "").strip() or default
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name} must be an http(s) URL, got {raw!r}")
    return raw


def _tile_url(env: Mapping[str, str]) -> str:
    """DIRECTORY_MAP_TILE_URL: an http(s) template with {z}, {x} and {y}, default PDOK's BRT.

    :raises ConfigError: not an http(s) URL, or a placeholder is missing.
    """
    url = _http_url(env, "DIRECTORY_MAP_TILE_URL", PDOK_TILES_URL)
    if not all(part in url for part in ("{z}", "{x}", "{y}")):
        raise ConfigError(f"DIRECTORY_MAP_TILE_URL needs {{z}}, {{x}} and {{y}}, got {url!r}")
    return url


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env.get(name, default).strip().lower() or default
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _list(env: Mapping[str, str], name: str, default: list[str]) -> list[str]:
    raw = env.get(name)
    if not raw:
        return list(default)
    return [part.strip() for part in raw.split(",") if part.strip()]


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


def _association(env: Mapping[str, str], production: bool, strict: bool = True) -> dict:
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


def _subprocessors(
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
        parts = [part.strip() for part in entry.split("|")]
        if len(parts) not in (3, 5) or not all(parts):
            raise ConfigError(
                "SUBPROCESSORS entries must be 'name|service|location' or "
                f"'name|service|location|service_en|location_en', got {entry.strip()!r}"
            )
        item = {"name": parts[0], "service": parts[1], "location": parts[2]}
        if len(parts) == 5:
            item.update(service_en=parts[3], location_en=parts[4])
        result.append(item)
    return result


# The review providers are fixed by the portal; hosting, mail and back-up come from SUBPROCESSORS.
DEMO_SUBPROCESSORS = (
    {"name": "Demo Hosting B.V. (demo)", "service": "hosting", "location": "Nederland (EU)"},
    {"name": "Demo Mail B.V. (demo)", "service": "e-mail", "location": "Nederland (EU)"},
    {"name": "Demo Backup B.V. (demo)", "service": "back-up", "location": "Duitsland (EU)"},
)


def _dev_secret(instance: Path) -> str:
    """Create (once) and read a random development secret under instance/."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def load_config(
    instance_path: str, env: Mapping[str, str] | None = None, *, strict: bool = True
) -> dict:
    """Build the settings mapping from environment variables.

    `strict=False` (only `flask doctor`) loads an unsafe production configuration too.

    :raises ConfigError: production mode without a real secret key or database.
    """
    env = os.environ if env is None else env
    mode = env.get("PORTAL_ENV", "development").lower()
    instance = Path(instance_path)
    production = mode == "production"
    secret = env.get("SECRET_KEY", "")
    if strict and production and (secret in WEAK_SECRETS or len(secret) < 32):
        raise ConfigError("SECRET_KEY must be set to a random value of at least 32 characters.")
    if not secret and not production:
        secret = _dev_secret(instance)
    default_db = f"sqlite:///{instance / 'portal.db'}"
    database = env.get("DATABASE_URL", "" if production else default_db)
    if strict and production and not database:
        raise ConfigError("DATABASE_URL must be set in production.")
    database = database or "sqlite://"  # only `flask doctor` gets here without one
    if database.startswith("postgres://"):
        database = "postgresql+psycopg://" + database.removeprefix("postgres://")
    elif database.startswith("postgresql://"):
        database = "postgresql+psycopg://" + database.removeprefix("postgresql://")
    redis_url = env.get("REDIS_URL", "")
    return {
        "PORTAL_ENV": mode,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAX_CONTENT_LENGTH": 6 * 1024 * 1024,
        "SESSION_COOKIE_NAME": "__Host-session" if production else "session",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_NAME": "__Host-remember" if production else "remember_token",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        # Without Redis one SQLite file shared by all workers keeps the limits exact.
        "RATELIMIT_STORAGE_URI": env.get(
            "RATELIMIT_STORAGE_URI", redis_url or f"portal-sqlite://{instance / 'ratelimit.db'}"
        ),
        "DIRECTORY_CACHE_REDIS_URL": env.get("DIRECTORY_CACHE_REDIS_URL", redis_url),
        # Key prefixes: several portals (or test runs) can share one Redis.
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", ""),
        "DIRECTORY_CACHE_REDIS_PREFIX": env.get(
            "DIRECTORY_CACHE_REDIS_PREFIX", "ledenportaal:directory:"
        ),
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        # Off when a reverse proxy compresses (portal/core/compression.py).
        "COMPRESS_ENABLED": _bool(env.get("COMPRESS_ENABLED"), True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", 0),
        "TRUSTED_HOSTS": _list(env, "TRUSTED_HOSTS", []) or None,
        "MAIL_SMTP_HOST": env.get("MAIL_SMTP_HOST", ""),
        "MAIL_SMTP_PORT": _int(env, "MAIL_SMTP_PORT", 587),
        "MAIL_SMTP_USER": env.get("MAIL_SMTP_USER", ""),
        "MAIL_SMTP_PASSWORD": env.get("MAIL_SMTP_PASSWORD", ""),
        "MAIL_SMTP_TLS": _choice(env, "MAIL_SMTP_TLS", "starttls", ("starttls", "ssl", "none")),
        "MAIL_SMTP_CA_FILE": env.get("MAIL_SMTP_CA_FILE", ""),
        "MAIL_SMTP_TIMEOUT": _int(env, "MAIL_SMTP_TIMEOUT", 20),
        "MAIL_RETENTION_DAYS": _int(env, "MAIL_RETENTION_DAYS", 30),
        # Customer data (invitations, complaint register) after the end of membership (clause G).
        "MEMBERSHIP_END_DATA_DAYS": _int(env, "MEMBERSHIP_END_DATA_DAYS", 30),
        "MAIL_FROM": env.get("MAIL_FROM", "ledenservice@example.nl"),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        **_association(env, production, strict),
        "SUBPROCESSORS": _subprocessors(env, production, strict),
        "SUBPROCESSORS_SET": bool((env.get("SUBPROCESSORS") or "").strip()),
        "REVIEW_MIN_COUNT": _int(env, "REVIEW_MIN_COUNT", 5),
        "REVIEW_MAX_AGE_DAYS": _int(env, "REVIEW_MAX_AGE_DAYS", 30),
        "SECRETS_KEYS": env.get("SECRETS_KEYS", ""),
        "PROVIDER_ALLOWED_HOSTS": _list(
            env,
            "PROVIDER_ALLOWED_HOSTS",
            ["www.klantenvertellen.nl", "www.kiyoh.com", "www.feedbackcompany.com"],
        ),
        "PROVIDER_BASE_URLS": env.get("PROVIDER_BASE_URLS", ""),
        "PROVIDER_MAX_RESPONSE_BYTES": _int(env, "PROVIDER_MAX_RESPONSE_BYTES", 2 * 1024 * 1024),
        "SYNC_MAX_WORKERS": _int(env, "SYNC_MAX_WORKERS", 8),
        "SYNC_MAX_PER_HOST": _int(env, "SYNC_MAX_PER_HOST", 4),
        "GEOCODER": env.get("GEOCODER", "offline"),
        "GEOCODER_PDOK_URL": _http_url(env, "GEOCODER_PDOK_URL", PDOK_URL),
        # Map tiles of the ledenzoeker: {z}/{x}/{y} template; its host joins the CSP's img-src.
        "DIRECTORY_MAP_TILE_URL": _tile_url(env),
        "DIRECTORY_MAP_ATTRIBUTION": env.get(
            "DIRECTORY_MAP_ATTRIBUTION", "Kaartgegevens © Kadaster (BRT-Achtergrondkaart, PDOK)"
        ),
        # Typo tolerance, trade words and places in the text box; off only to measure their cost.
        "DIRECTORY_FORGIVING_SEARCH": _bool(env.get("DIRECTORY_FORGIVING_SEARCH"), True),
        "DIRECTORY_RESULT_CACHE_SECONDS": _seconds(env, "DIRECTORY_RESULT_CACHE_SECONDS", 3600),
        "DIRECTORY_SEARCH_RATE_LIMIT": _rate_limit(
            env, "DIRECTORY_SEARCH_RATE_LIMIT", "120/minute"
        ),
        "LOG_JSON": _bool(env.get("LOG_JSON"), production),
        "METRICS_TOKEN": env.get("METRICS_TOKEN", ""),
        "SENTRY_DSN": env.get("SENTRY_DSN", ""),
        "SENTRY_ENVIRONMENT": env.get("SENTRY_ENVIRONMENT", mode),
        "SENTRY_RELEASE": env.get("SENTRY_RELEASE", ""),
        **_oidc_settings(env),
        "STAFF_PASSWORD_LOGIN": _bool(env.get("STAFF_PASSWORD_LOGIN"), True),
        "PROVIDER_DASHBOARD_URLS": _dashboard_urls(env),
        "PASSKEY_RP_ID": env.get("PASSKEY_RP_ID", ""),
        "PASSKEY_RP_NAME": env.get("PASSKEY_RP_NAME", "Ledenportaal"),
    }


def _dashboard_urls(env: Mapping[str, str]) -> str:
    """PROVIDER_DASHBOARD_URLS, checked when the app starts (see portal/reviews/dashboard.py).

    :raises ConfigError: unknown provider or an unsafe template.
    """
    from portal.reviews.dashboard import DashboardSettingError, parse_templates

    raw = env.get("PROVIDER_DASHBOARD_URLS", "")
    try:
        parse_templates(raw)
    except DashboardSettingError as exc:
        raise ConfigError(str(exc)) from exc
    return raw


def _oidc_settings(env: Mapping[str, str]) -> dict:
    """Single sign-on with the association's OpenID Connect provider; off without an issuer.

    :raises ConfigError: an issuer without a client id, or an issuer that is not an http(s) URL.
    """
    issuer = (env.get("OIDC_ISSUER") or "").strip()
    client_id = (env.get("OIDC_CLIENT_ID") or "").strip()
    if issuer:
        parts = urlsplit(issuer)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"OIDC_ISSUER must be an http(s) URL, got {issuer!r}")
        if not client_id:
            raise ConfigError("OIDC_ISSUER is set but OIDC_CLIENT_ID is not.")
    return {
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": client_id,
        "OIDC_CLIENT_SECRET": env.get("OIDC_CLIENT_SECRET", ""),
        "OIDC_SCOPES": (env.get("OIDC_SCOPES") or "").strip() or "openid email profile",
        "OIDC_GROUPS_CLAIM": (env.get("OIDC_GROUPS_CLAIM") or "").strip() or "groups",
        "OIDC_STAFF_GROUPS": _list(env, "OIDC_STAFF_GROUPS", []),
        "OIDC_ADMIN_GROUPS": _list(env, "OIDC_ADMIN_GROUPS", []),
        "OIDC_ALLOWED_DOMAINS": [d.lower() for d in _list(env, "OIDC_ALLOWED_DOMAINS", [])],
        "OIDC_MFA_ACR": _list(env, "OIDC_MFA_ACR", []),
        "OIDC_FOR": _choice(env, "OIDC_FOR", "staff", ("staff", "members", "both")),
    }


@dataclass(frozen=True)
class Problem:
    """One unsafe or broken production setting, explained in Dutch and in English."""

    setting: str
    nl: str
    en: str
    fatal: bool = True  # False: a warning that `flask doctor` prints without failing


def deploy_problems(config: Mapping) -> list[Problem]:
    """The reasons a production configuration is unsafe (empty when fine)."""
    problems = []
    if config.get("DEBUG"):
        problems.append(Problem("DEBUG", "DEBUG staat aan.", "DEBUG is on"))
    if config.get("SECRET_KEY", "") in WEAK_SECRETS or len(config.get("SECRET_KEY", "")) < 32:
        problems.append(Problem(
            "SECRET_KEY",
            "SECRET_KEY is zwak: kies een willekeurige waarde van minstens 32 tekens.",
            "SECRET_KEY is weak",
        ))  # fmt: skip
    if not config.get("TRUSTED_HOSTS"):
        problems.append(Problem(
            "TRUSTED_HOSTS",
            "TRUSTED_HOSTS is leeg: noem de hostnaam van het portaal.",
            "TRUSTED_HOSTS is not set",
        ))  # fmt: skip
    if not config.get("SESSION_COOKIE_SECURE") or not config.get("REMEMBER_COOKIE_SECURE"):
        problems.append(Problem(
            "SESSION_COOKIE_SECURE", "Cookies zijn niet Secure.", "cookies are not Secure"
        ))  # fmt: skip
    if not config.get("MAX_CONTENT_LENGTH"):
        problems.append(Problem(
            "MAX_CONTENT_LENGTH", "Er is geen grens aan de grootte van verzoeken.",
            "no request size limit",
        ))  # fmt: skip
    if not config.get("SECRETS_KEYS"):
        problems.append(Problem(
            "SECRETS_KEYS",
            "SECRETS_KEYS is leeg: zonder sleutel zijn koppelgegevens en TOTP-geheimen onleesbaar.",
            "SECRETS_KEYS is not set",
        ))  # fmt: skip
    if config.get("MAIL_SMTP_HOST") and config.get("MAIL_SMTP_TLS", "starttls") == "none":
        problems.append(Problem(
            "MAIL_SMTP_TLS",
            "MAIL_SMTP_TLS=none verstuurt e-mail (en herstellinks) onversleuteld.",
            "MAIL_SMTP_TLS=none sends mail (and reset links) unencrypted",
        ))  # fmt: skip
    production = config.get("PORTAL_ENV") == "production"
    for name in config.get("ASSOCIATION_MISSING", ()) if production else ():
        problems.append(Problem(
            name,
            f"{name} is leeg: de verwerkersovereenkomst, privacyverklaring en e-mails noemen "
            "de juridische gegevens van de vereniging.",
            f"{name} is not set (the association's legal identity)",
        ))  # fmt: skip
    if production and "SUBPROCESSORS_SET" in config and not config["SUBPROCESSORS_SET"]:
        problems.append(Problem(
            "SUBPROCESSORS",
            "SUBPROCESSORS is leeg: noem hosting, e-maildienst en back-updienst "
            "(naam|dienst|locatie;...).",
            "SUBPROCESSORS is not set",
        ))  # fmt: skip
    if config.get("OIDC_ISSUER") and not str(config["OIDC_ISSUER"]).startswith("https://"):
        problems.append(Problem(
            "OIDC_ISSUER",
            "OIDC_ISSUER moet https gebruiken.",
            "OIDC_ISSUER must use https",
        ))  # fmt: skip
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        problems.append(Problem(
            "DATABASE_URL",
            "Productie heeft PostgreSQL nodig: zet DATABASE_URL.",
            "production needs PostgreSQL (DATABASE_URL)",
        ))  # fmt: skip
    return problems


def check_deploy(config: Mapping) -> list[str]:
    """Return the reasons a production configuration is unsafe (empty when fine)."""
    return [problem.en for problem in deploy_problems(config)]


def cli_runs_doctor(argv: list[str] | None = None) -> bool:
    """Whether this process is `flask doctor`, which must load the very configuration the app
    refuses to start with, in order to explain it."""
    argv = sys.argv if argv is None else argv
    if not argv or Path(argv[0]).name != "flask":
        return False
    args, with_value = iter(argv[1:]), {"--app", "-A", "--env-file", "-e"}
    for arg in args:
        if arg in with_value:
            next(args, None)
        elif not arg.startswith("-"):
            return arg == "doctor"
    return False
