"""Guarded outbound HTTP to review providers (SECURITY.md §1, PROVIDERS.md §5.1).

Allowlisted hosts only, no redirects, connect/read timeouts plus an overall deadline, a streamed
body cap, JSON success bodies (XML only where a call asks for it: the KV/Kiyoh feed.xml) parsed
strictly, and retries with backoff, jitter and
`Retry-After`. Nothing here touches the database or `current_app`, so worker threads use it freely.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as xml_fromstring

from portal.core.redaction import RedactingFilter
from portal.providers import errors as out
from portal.providers.config import HttpConfig, RetryConfig
from portal.providers.errors import ProviderError

RETRY_STATUSES = frozenset({500, 502, 503, 504})
RATE_LIMIT_TEXT = "too many requests"
USER_AGENT = "ledenportaal/1.0 (+review sync)"

# urllib3 logs request lines (FBC token URLs carry the secret) at DEBUG: redact them too.
_pool_logger = logging.getLogger("urllib3.connectionpool")
if not any(isinstance(f, RedactingFilter) for f in _pool_logger.filters):
    _pool_logger.addFilter(RedactingFilter())


class HostBlocked(ProviderError):
    """The host is paused (rate limit) or its circuit is open: leave the link for the next run."""


@dataclass(frozen=True)
class JsonReply:
    """A successful provider reply: status and the decoded JSON object."""

    status: int
    data: dict[str, Any]


class HostGate:
    """Per-run, per-host limits shared by worker threads: slots, pauses and a circuit breaker."""

    def __init__(
        self,
        per_host: int = 4,
        *,
        circuit_failures: int = 5,
        circuit_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._per_host = max(1, per_host)
        self._circuit_failures = circuit_failures
        self._circuit_seconds = circuit_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._paused_until: dict[str, float] = {}
        self._failures: dict[str, int] = {}

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        """Hold one of the host's concurrent request slots."""
        with self._lock:
            sem = self._slots.setdefault(host, threading.BoundedSemaphore(self._per_host))
        with sem:
            yield

    def pause(self, host: str, seconds: float) -> None:
        """Stop calling `host` for `seconds` (the rest of the run, in practice)."""
        with self._lock:
            until = self._clock() + seconds
            self._paused_until[host] = max(until, self._paused_until.get(host, 0.0))

    def blocked_for(self, host: str) -> float:
        """Seconds the host stays paused; 0 when it may be called."""
        with self._lock:
            return max(0.0, self._paused_until.get(host, 0.0) - self._clock())

    def record(self, host: str, outcome: str) -> None:
        """Count consecutive transient failures; open the circuit after too many."""
        with self._lock:
            if outcome not in out.TRANSIENT:
                self._failures[host] = 0
                return
            self._failures[host] = self._failures.get(host, 0) + 1
            if self._circuit_failures and self._failures[host] >= self._circuit_failures:
                self._paused_until[host] = self._clock() + self._circuit_seconds


def host_key(url: str) -> str:
    """`host:port` of a URL, the unit of per-host limits."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"


def check_url(url: str, settings: HttpConfig) -> None:
    """Refuse a URL whose scheme or host is not allowed, before any connection is made.

    :raises ValueError: with a short reason.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or (
        parts.scheme == "http" and not settings.allow_http
    ):
        raise ValueError(f"scheme {parts.scheme!r} not allowed")
    if parts.username or parts.password or not parts.hostname:
        raise ValueError("URL without host or with credentials")
    host = parts.hostname.lower()
    with_port = f"{host}:{parts.port}" if parts.port else host
    if host not in settings.allowed_hosts and with_port not in settings.allowed_hosts:
        raise ValueError(f"host {host!r} is not allowlisted")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds or HTTP date); None if unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _reject_constant(name: str) -> Any:
    raise ValueError(f"JSON constant {name} not allowed")


def parse_json_object(body: bytes) -> dict[str, Any]:
    """Strict JSON: UTF-8, no NaN/Infinity, an object at the root.

    :raises ValueError: anything else.
    """
    data = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    if not isinstance(data, dict):
        raise ValueError("JSON root is not an object")
    return data


def is_json_content_type(value: str | None) -> bool:
    """`application/json`, parameters allowed."""
    return (value or "").split(";", 1)[0].strip().lower() == "application/json"


def is_xml_content_type(value: str | None) -> bool:
    """`application/xml` or `text/xml`, parameters allowed."""
    return (value or "").split(";", 1)[0].strip().lower() in ("application/xml", "text/xml")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _leaves(element: Element) -> dict[str, str]:
    return {_local(c.tag): (c.text or "").strip() for c in element if len(c) == 0}


def _error_items(element: Element) -> list[dict[str, str]]:
    """`<detailedError>` holding the fields itself, or one child per error."""
    own = _leaves(element)
    if own:
        return [own]
    return [_leaves(item) for item in element if len(item)]


def parse_xml_object(body: bytes) -> dict[str, Any]:
    """An XML document (KV/Kiyoh feed or error body) as a flat dict of its root's text fields.

    Parsed with defusedxml (no DTD, entities or external references). Leaf elements become
    strings (empty ones None), `detailedError` a list of {errorCode, message}; other nested
    elements (`reviews`) are left out: the statistics never need them.

    :raises ValueError: not well-formed, or forbidden constructs.
    """
    try:
        root = xml_fromstring(body, forbid_dtd=True)
    except (ParseError, DefusedXmlException, UnicodeError) as exc:
        raise ValueError(f"XML not usable: {type(exc).__name__}") from None
    data: dict[str, Any] = {}
    for child in root:
        name = _local(child.tag)
        if name == "detailedError":
            data.setdefault(name, []).extend(_error_items(child))
        elif len(child) == 0 and name not in data:
            data[name] = (child.text or "").strip() or None
    return data


def backoff_delay(policy: RetryConfig, attempt: int) -> float:
    """Exponential backoff with equal jitter: base·2^(n-1), capped, halved and re-spread."""
    delay = min(policy.backoff_cap, policy.backoff_base * 2 ** (attempt - 1))
    return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 - jitter, not security
