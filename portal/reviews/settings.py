"""Provider HTTP and sync settings, read once from the app config into frozen objects.

Worker threads get these objects instead of reaching for `current_app`. Keys missing from
`portal/config.py` fall back to the environment, then to the PROVIDERS.md defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from portal.reviews.models import Provider

DEFAULT_BASE_URLS = {
    Provider.KLANTENVERTELLEN: "https://www.klantenvertellen.nl",
    Provider.KIYOH: "https://www.kiyoh.com",
    Provider.FEEDBACK_COMPANY: "https://www.feedbackcompany.com",
}
TENANT_IDS = {Provider.KLANTENVERTELLEN: 99, Provider.KIYOH: 98}
# Review-page URLs are kept only when https on the provider's own domain.
# Klantenvertellen and Kiyoh are one platform, so either domain is theirs.
PROVIDER_DOMAINS = {
    Provider.KLANTENVERTELLEN: ("klantenvertellen.nl", "kiyoh.com"),
    Provider.KIYOH: ("kiyoh.com", "klantenvertellen.nl"),
    Provider.FEEDBACK_COMPANY: ("feedbackcompany.com",),
}


class SettingsError(ValueError):
    """A provider setting cannot be understood."""


def _number(config: Mapping, name: str, default: float) -> float:
    raw = config.get(name)
    if raw is None:
        raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc
    if value < 0:
        raise SettingsError(f"{name} must not be negative")
    return value


def parse_base_urls(raw: str) -> dict[Provider, str]:
    """`klantenvertellen=http://127.0.0.1:5055,kiyoh=...` → {Provider: base URL}.

    :raises SettingsError: unknown provider name or an entry without `=`.
    """
    urls: dict[Provider, str] = {}
    for part in (raw or "").split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, url = part.partition("=")
        try:
            provider = Provider(name.strip())
        except ValueError as exc:
            raise SettingsError(f"PROVIDER_BASE_URLS: unknown provider {name!r}") from exc
        if not sep or not url.strip():
            raise SettingsError(f"PROVIDER_BASE_URLS: no URL for {name!r}")
        urls[provider] = url.strip().rstrip("/")
    return urls


@dataclass(frozen=True)
class HttpSettings:
    """Everything the guarded HTTP layer needs; immutable and safe to share between threads."""

    base_urls: Mapping[Provider, str] = field(default_factory=lambda: dict(DEFAULT_BASE_URLS))
    allowed_hosts: frozenset[str] = frozenset(
        urlsplit(u).hostname or "" for u in DEFAULT_BASE_URLS.values()
    )
    allow_http: bool = False
    max_bytes: int = 2 * 1024 * 1024
    connect_timeout: float = 3.0
    read_timeout: float = 5.0
    invite_timeout: float = 10.0
    # Whole request including a slowly dripped body.
    request_deadline: float = 20.0
    kv_invite_ref_field: str = "reference_code"

    def base_url(self, provider: Provider) -> str:
        """Configured base URL of a provider (override or the public default)."""
        return self.base_urls.get(provider) or DEFAULT_BASE_URLS[provider]


@dataclass(frozen=True)
class RetryPolicy:
    """Retries, backoff and deadlines of PROVIDERS.md §5 items 3-5."""

    attempts: int = 3
    backoff_base: float = 1.0
    backoff_cap: float = 30.0
    max_retry_after: float = 30.0
    default_retry_after: float = 60.0
    link_deadline: float = 60.0

    def without_retries(self) -> RetryPolicy:
        """Same deadlines, a single attempt (the live link check)."""
        return RetryPolicy(
            attempts=1,
            backoff_base=self.backoff_base,
            backoff_cap=self.backoff_cap,
            max_retry_after=0.0,
            default_retry_after=self.default_retry_after,
            link_deadline=self.link_deadline,
        )


def http_settings(config: Mapping) -> HttpSettings:
    """Build HttpSettings from the app config."""
    base_urls = dict(DEFAULT_BASE_URLS)
    base_urls.update(parse_base_urls(config.get("PROVIDER_BASE_URLS", "")))
    hosts = config.get("PROVIDER_ALLOWED_HOSTS") or []
    if isinstance(hosts, str):
        hosts = hosts.split(",")
    return HttpSettings(
        base_urls=base_urls,
        allowed_hosts=frozenset(h.strip().lower() for h in hosts if h.strip()),
        allow_http=str(config.get("PORTAL_ENV", "development")).lower() != "production",
        max_bytes=int(config.get("PROVIDER_MAX_RESPONSE_BYTES") or 2 * 1024 * 1024),
        connect_timeout=_number(config, "PROVIDER_CONNECT_TIMEOUT", 3.0),
        read_timeout=_number(config, "PROVIDER_READ_TIMEOUT", 5.0),
        invite_timeout=_number(config, "PROVIDER_INVITE_TIMEOUT", 10.0),
        request_deadline=_number(config, "PROVIDER_REQUEST_DEADLINE", 20.0),
        kv_invite_ref_field=str(config.get("KV_INVITE_REF_FIELD") or "reference_code"),
    )


def retry_policy(config: Mapping) -> RetryPolicy:
    """Build the RetryPolicy from the app config (tests shrink the waits)."""
    return RetryPolicy(
        attempts=int(_number(config, "SYNC_ATTEMPTS", 3)) or 1,
        backoff_base=_number(config, "SYNC_BACKOFF_BASE", 1.0),
        backoff_cap=_number(config, "SYNC_BACKOFF_CAP", 30.0),
        max_retry_after=_number(config, "SYNC_MAX_RETRY_AFTER", 30.0),
        default_retry_after=_number(config, "SYNC_DEFAULT_RETRY_AFTER", 60.0),
        link_deadline=_number(config, "SYNC_LINK_DEADLINE", 60.0),
    )


def sync_limits(config: Mapping) -> tuple[int, int]:
    """(SYNC_MAX_WORKERS, SYNC_MAX_PER_HOST), each at least 1."""
    workers = int(_number(config, "SYNC_MAX_WORKERS", 8)) or 1
    per_host = int(_number(config, "SYNC_MAX_PER_HOST", 4)) or 1
    return workers, per_host
