"""Provider HTTP and sync settings, read once from the app config into frozen objects.

Worker threads get these objects instead of reaching for `current_app`. The values come from
the typed `ProviderSettings` section (portal/config/sections.py, PROVIDERS.md defaults).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from portal.config import ProviderSettings
from portal.reviews.models import Provider

DEFAULT_BASE_URLS = {
    Provider.KLANTENVERTELLEN: "https://www.klantenvertellen.nl",
    Provider.KIYOH: "https://www.kiyoh.com",
    Provider.FEEDBACK_COMPANY: "https://www.feedbackcompany.com",
}


class SettingsError(ValueError):
    """A provider setting cannot be understood."""


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
    section = ProviderSettings.read(config)
    base_urls = dict(DEFAULT_BASE_URLS)
    base_urls.update(parse_base_urls(section.base_urls))
    return HttpSettings(
        base_urls=base_urls,
        allowed_hosts=frozenset(host.lower() for host in section.allowed_hosts),
        allow_http=str(config.get("PORTAL_ENV", "development")).lower() != "production",
        max_bytes=section.max_response_bytes,
        connect_timeout=section.connect_timeout,
        read_timeout=section.read_timeout,
        invite_timeout=section.invite_timeout,
        request_deadline=section.request_deadline,
        kv_invite_ref_field=section.kv_invite_ref_field,
    )


def retry_policy(config: Mapping) -> RetryPolicy:
    """Build the RetryPolicy from the app config (tests shrink the waits)."""
    section = ProviderSettings.read(config)
    return RetryPolicy(
        attempts=section.attempts,
        backoff_base=section.backoff_base,
        backoff_cap=section.backoff_cap,
        max_retry_after=section.max_retry_after,
        default_retry_after=section.default_retry_after,
        link_deadline=section.link_deadline,
    )


def sync_limits(config: Mapping) -> tuple[int, int]:
    """(SYNC_MAX_WORKERS, SYNC_MAX_PER_HOST), each at least 1."""
    section = ProviderSettings.read(config)
    return section.max_workers, section.max_per_host
