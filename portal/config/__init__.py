"""The portal's settings: the one place that reads the environment.

`load_settings` reads every environment variable the portal knows into a typed, validated
`Settings` object (a core part plus one section per feature area, portal/config/sections.py)
and refuses an unsafe production configuration. `Settings.flask_config` flattens it into the
app config, where tests may override values; `validate` checks the final app config once more
when the app starts, and features read their typed section with `SectionClass.of()`.

Only this package may read `os.environ` (tests/core/test_architecture.py).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portal.config import legal, local_secret, values
from portal.config.deploy import (
    WEAK_SECRETS,
    Problem,
    check_deploy,
    cli_runs_doctor,
    deploy_problems,
)
from portal.config.sections import (
    PDOK_TILES_URL,
    PDOK_URL,
    SECTIONS,
    BackupSettings,
    ComplaintSettings,
    DirectorySettings,
    InvitationSettings,
    MailSettings,
    ObservabilitySettings,
    OidcSettings,
    PasskeySettings,
    PrivacySettings,
    ProviderSettings,
    ReviewSettings,
    Section,
)
from portal.config.values import ConfigError

__all__ = [
    "PDOK_TILES_URL",
    "PDOK_URL",
    "SECTIONS",
    "BackupSettings",
    "ComplaintSettings",
    "ConfigError",
    "CoreSettings",
    "DirectorySettings",
    "InvitationSettings",
    "MailSettings",
    "ObservabilitySettings",
    "OidcSettings",
    "PasskeySettings",
    "PrivacySettings",
    "Problem",
    "ProviderSettings",
    "ReviewSettings",
    "Section",
    "Settings",
    "check_deploy",
    "cli_runs_doctor",
    "deploy_problems",
    "environment",
    "instance_path",
    "load_config",
    "load_settings",
    "validate",
]

MAX_REQUEST_BYTES = 6 * 1024 * 1024


def environment() -> Mapping[str, str]:
    """The process environment (the one sanctioned way to reach it outside this package)."""
    return os.environ


def instance_path(default: Path) -> str:
    """PORTAL_INSTANCE_PATH: this host's private folder (development secret, local rate limits)."""
    return values.text(os.environ, "PORTAL_INSTANCE_PATH", str(default))


def _dev_secret(instance: Path) -> str:
    """Create (once) and read a random development secret under instance/."""
    return local_secret.read_or_create(instance / "secret_key", lambda: secrets.token_urlsafe(48))


def _database_url(raw: str) -> str:
    """Any PostgreSQL URL spelling, driven by psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw.removeprefix(prefix)
    return raw


@dataclass(frozen=True)
class CoreSettings:
    """Mode, secrets, database, shared state, the proxy in front and the public address."""

    mode: str
    secret_key: str
    database_url: str
    redis_url: str
    ratelimit_storage_uri: str
    ratelimit_key_prefix: str
    ratelimit_enabled: bool
    compress_enabled: bool
    trusted_proxies: int
    trusted_hosts: tuple[str, ...]
    public_base_url: str
    secrets_keys: str
    log_json: bool

    @property
    def production(self) -> bool:
        return self.mode == "production"

    @classmethod
    def read(cls, env: Mapping[str, str], instance: Path, strict: bool) -> CoreSettings:
        """:raises ConfigError: production without a real secret key or database."""
        # Exactly these two: "prod" or a typo must not quietly drop every production safeguard.
        mode = values.choice(env, "PORTAL_ENV", "development", ("development", "production"))
        production = mode == "production"
        secret = values.secret(env, "SECRET_KEY")
        if strict and production and (secret in WEAK_SECRETS or len(secret) < 32):
            raise ConfigError("SECRET_KEY must be set to a random value of at least 32 characters.")
        if not secret and not production:
            secret = _dev_secret(instance)
        database = values.text(
            env, "DATABASE_URL", "" if production else f"sqlite:///{instance / 'portal.db'}"
        )
        if strict and production and not database:
            raise ConfigError("DATABASE_URL must be set in production.")
        redis_url = values.text(env, "REDIS_URL")
        return cls(
            mode=mode,
            secret_key=secret,
            database_url=_database_url(database or "sqlite://"),  # only `flask doctor` lacks one
            redis_url=redis_url,
            # Without Redis one SQLite file shared by all workers keeps the limits exact.
            ratelimit_storage_uri=values.text(
                env,
                "RATELIMIT_STORAGE_URI",
                redis_url or f"portal-sqlite://{instance / 'ratelimit.db'}",
            ),
            # Key prefixes: several portals (or test runs) can share one Redis.
            ratelimit_key_prefix=values.text(env, "RATELIMIT_KEY_PREFIX"),
            ratelimit_enabled=values.flag(env, "RATELIMIT_ENABLED", True),
            # Off when a reverse proxy compresses (portal/core/compression.py).
            compress_enabled=values.flag(env, "COMPRESS_ENABLED", True),
            trusted_proxies=values.whole(env, "TRUSTED_PROXIES", 0, minimum=0, maximum=10),
            trusted_hosts=values.words(env, "TRUSTED_HOSTS"),
            public_base_url=values.http_url(env, "PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
            secrets_keys=values.secret(env, "SECRETS_KEYS"),
            log_json=values.flag(env, "LOG_JSON", production),
        )

    def flask_config(self) -> dict[str, Any]:
        """Flask's, Flask-Login's, Flask-SQLAlchemy's and Flask-Limiter's own keys."""
        production = self.production
        return {
            "PORTAL_ENV": self.mode,
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
            "MAX_CONTENT_LENGTH": MAX_REQUEST_BYTES,
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
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_uri,
            "RATELIMIT_KEY_PREFIX": self.ratelimit_key_prefix,
            "RATELIMIT_ENABLED": self.ratelimit_enabled,
            "RATELIMIT_HEADERS_ENABLED": True,
            "COMPRESS_ENABLED": self.compress_enabled,
            "TRUSTED_PROXIES": self.trusted_proxies,
            "TRUSTED_HOSTS": list(self.trusted_hosts) or None,
            "PUBLIC_BASE_URL": self.public_base_url,
            "SECRETS_KEYS": self.secrets_keys,
            "LOG_JSON": self.log_json,
        }


@dataclass(frozen=True)
class Settings:
    """Every setting of the portal, typed and validated."""

    core: CoreSettings
    legal: dict[str, Any]  # the association's identity and sub-processors (portal/config/legal.py)
    mail: MailSettings
    directory: DirectorySettings
    reviews: ReviewSettings
    providers: ProviderSettings
    invitations: InvitationSettings
    complaints: ComplaintSettings
    privacy: PrivacySettings
    oidc: OidcSettings
    passkeys: PasskeySettings
    observability: ObservabilitySettings
    backups: BackupSettings
    # Only `flask doctor` (strict=False): the settings it could not read, left at their default.
    errors: tuple[str, ...] = ()

    def flask_config(self) -> dict[str, Any]:
        """The app config: the core's Flask keys, the legal identity, every section's keys."""
        config = {**self.core.flask_config(), **self.legal}
        for section in (
            self.mail, self.directory, self.reviews, self.providers, self.invitations,
            self.complaints, self.privacy, self.oidc, self.passkeys, self.observability,
            self.backups,
        ):  # fmt: skip
            config.update(section.flat())
        if not config["SENTRY_ENVIRONMENT"]:
            config["SENTRY_ENVIRONMENT"] = self.core.mode
        if self.errors:
            config["CONFIG_ERRORS"] = list(self.errors)
        return config


def load_settings(
    instance: str, env: Mapping[str, str] | None = None, *, strict: bool = True
) -> Settings:
    """Read and validate every setting from the environment.

    `strict=False` (only `flask doctor`) loads an unsafe production configuration too.

    :raises ConfigError: a setting cannot be understood, or production is unsafe.
    """
    env = os.environ if env is None else env
    errors: list[str] = []
    if not strict:
        # `flask doctor` explains what it cannot read instead of stopping at the first one.
        env = _readable(env, instance, errors)
    core = CoreSettings.read(env, Path(instance), strict)
    return Settings(
        core=core,
        errors=tuple(errors),
        legal={
            **legal.association(env, core.production, strict),
            "SUBPROCESSORS": legal.subprocessors(env, core.production, strict),
            "SUBPROCESSORS_SET": bool(values.text(env, "SUBPROCESSORS")),
            "SENTRY_SUBPROCESSOR": legal.error_tracking(env),
        },
        mail=MailSettings.read(env),
        directory=DirectorySettings.read(env),
        reviews=ReviewSettings.read(env),
        providers=ProviderSettings.read(env),
        invitations=InvitationSettings.read(env),
        complaints=ComplaintSettings.read(env),
        privacy=PrivacySettings.read(env),
        oidc=OidcSettings.read(env),
        passkeys=PasskeySettings.read(env),
        observability=ObservabilitySettings.read(env),
        backups=BackupSettings.read(env),
    )


def _readable(env: Mapping[str, str], instance: str, errors: list[str]) -> dict[str, str]:
    """The environment without the variables that cannot be read; each reason goes to `errors`.

    Every ConfigError names its variable first, so it can be dropped and the reading retried.
    """
    env = dict(env)
    for _attempt in range(len(env) + 1):
        try:
            core = CoreSettings.read(env, Path(instance), strict=False)
            legal.association(env, core.production, strict=False)
            legal.subprocessors(env, core.production, strict=False)
            legal.error_tracking(env)
            validate(env)
            return env
        except ConfigError as exc:
            name = str(exc).split()[0].rstrip(":")
            if name not in env:
                raise
            errors.append(str(exc))
            env.pop(name)
    return env


def load_config(
    instance: str, env: Mapping[str, str] | None = None, *, strict: bool = True
) -> dict[str, Any]:
    """The app config built from the environment (see `load_settings`)."""
    return load_settings(instance, env, strict=strict).flask_config()


def validate(config: Mapping[str, Any]) -> dict[str, Any]:
    """Check every section of a final app config (after a caller's overrides) and return the
    typed values, which the caller writes back ("30" passed for a number becomes 30).

    :raises ConfigError: a setting cannot be understood.
    """
    typed: dict[str, Any] = {}
    for section in SECTIONS:
        typed.update(section.read(config).flat())
    return typed
