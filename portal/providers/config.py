"""What the provider layer needs from its settings, as protocols the caller's objects satisfy.

The app builds them from its configuration (`portal.reviews.settings`: `HttpSettings`,
`RetryPolicy`); worker threads get the frozen objects instead of an app context.
"""

from __future__ import annotations

from typing import Protocol

from portal.providers.catalog import Provider


class HttpConfig(Protocol):
    """Hosts, timeouts and limits of the guarded HTTP layer (PROVIDERS.md §5.1)."""

    @property
    def allowed_hosts(self) -> frozenset[str]: ...
    @property
    def allow_http(self) -> bool: ...
    @property
    def max_bytes(self) -> int: ...
    @property
    def connect_timeout(self) -> float: ...
    @property
    def read_timeout(self) -> float: ...
    @property
    def invite_timeout(self) -> float: ...
    @property
    def request_deadline(self) -> float: ...
    @property
    def kv_invite_ref_field(self) -> str: ...

    def base_url(self, provider: Provider) -> str:
        """Base URL of a provider's API."""
        ...


class RetryConfig(Protocol):
    """Retries, backoff and deadlines of PROVIDERS.md §5 items 3-5."""

    @property
    def attempts(self) -> int: ...
    @property
    def backoff_base(self) -> float: ...
    @property
    def backoff_cap(self) -> float: ...
    @property
    def max_retry_after(self) -> float: ...
    @property
    def default_retry_after(self) -> float: ...
    @property
    def link_deadline(self) -> float: ...
