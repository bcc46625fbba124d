"""One link's guarded provider calls: a single request, error classification, the retry loop."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal

import requests
import urllib3

from portal.providers import errors as out
from portal.providers.catalog import Provider
from portal.providers.config import HttpConfig, RetryConfig
from portal.providers.errors import ProviderError
from portal.providers.http import (
    RATE_LIMIT_TEXT,
    RETRY_STATUSES,
    USER_AGENT,
    HostBlocked,
    HostGate,
    JsonReply,
    backoff_delay,
    check_url,
    host_key,
    is_json_content_type,
    is_xml_content_type,
    parse_json_object,
    parse_retry_after,
    parse_xml_object,
)
from portal.providers.parsing import Invalid, Stats

RetryMode = Literal["sync", "invite", "none"]
CHUNK = 64 * 1024


def error_summary(data: dict[str, Any] | None, status: int) -> tuple[str, str]:
    """(provider error code, log text) from a KV/Kiyoh or FBC error body (§2.5, §3.3)."""
    data = data or {}
    detailed = data.get("detailedError")
    if isinstance(detailed, list) and detailed and isinstance(detailed[0], dict):
        code = str(detailed[0].get("errorCode") or "")
        return code, f"[{code}] {detailed[0].get('message') or ''} (HTTP {status})"
    raw_code = data.get("errorCode")
    code = raw_code if isinstance(raw_code, str) else ""
    text = next(
        (data[k] for k in ("message", "error", "description") if isinstance(data.get(k), str)), ""
    )
    return code, f"{code} {text} (HTTP {status})".strip()


def _has_invalid_hash(data: dict[str, Any] | None) -> bool:
    detailed = (data or {}).get("detailedError")
    if not isinstance(detailed, list):
        return False
    return any(isinstance(d, dict) and d.get("errorCode") == "INVALID_HASH" for d in detailed)


def _fbc_error_text(data: dict[str, Any]) -> str | None:
    """FBC's failure text when the body says so (`error` bool or string, `success: false`)."""
    err = data.get("error")
    failed = err is True or (isinstance(err, str) and err.strip().lower() not in ("", "false"))
    failed = failed or data.get("success") is False
    if not failed:
        return None
    parts = [data.get(k) for k in ("error", "message", "description")]
    return " ".join(p for p in parts if isinstance(p, str)) or "error"


def _decode(body: bytes, *, json_type: bool, xml_type: bool) -> dict[str, Any] | None:
    """The body as a dict when its declared type parses strictly, else None."""
    try:
        if json_type:
            return parse_json_object(body)
        if xml_type:
            return parse_xml_object(body)
    except (ValueError, RecursionError):
        return None
    return None


def validated(transport: Transport, parse: Callable[[], Stats]) -> Stats:
    """Run a parser over a reply; turn its Invalid into the link's ProviderError."""
    try:
        return parse()
    except Invalid as exc:
        error = transport.error(exc.outcome, exc.detail, http_status=200)
        error.attempts = transport.attempts
        raise error from None


class Transport:
    """HTTP for one link: allowlist check, one guarded request, and retries per RetryMode."""

    def __init__(
        self,
        settings: HttpConfig,
        provider: Provider,
        *,
        location_id: str = "",
        session: requests.Session | None = None,
        policy: RetryConfig,
        gate: HostGate | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.provider = provider
        self.location_id = location_id
        self.session = session or requests.Session()
        self.policy = policy
        self.gate = gate or HostGate()
        self.sleep = sleep
        self.deadline = time.monotonic() + self.policy.link_deadline
        self.attempts = 0
        self._require_json = True
        self._accept_xml = False

    def error(self, outcome: str, detail: str = "", **kwargs: Any) -> ProviderError:
        """A ProviderError with this link's provider, id and Dutch message."""
        return ProviderError.for_provider(
            outcome, self.provider, location_id=self.location_id, detail=detail, **kwargs
        )

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        json_body: dict[str, Any] | None = None,
        timeout: float | None = None,
        retry: RetryMode = "sync",
        require_json: bool = True,
        accept_xml: bool = False,
    ) -> JsonReply:
        """Make a call, retrying as `retry` allows; `accept_xml` asks for and takes an XML body.

        :raises ProviderError: the final failure (its `attempts` says how many tries were made).
        """
        url = self.settings.base_url(self.provider) + path
        try:
            check_url(url, self.settings)
        except ValueError as exc:
            raise self.error(out.HOST_NOT_ALLOWED, str(exc)) from None
        host = host_key(url)
        self._require_json = require_json
        self._accept_xml = accept_xml
        attempt = 0
        while True:
            attempt += 1
            self._check_open(host)
            try:
                reply = self._once(method, url, host, (params, headers, json_body, timeout))
            except ProviderError as exc:
                exc.attempts = self.attempts = attempt
                self.gate.record(host, exc.outcome)
                wait = self._retry_wait(exc, attempt, retry, host)
                if wait is None or time.monotonic() + wait > self.deadline:
                    raise
                self.sleep(wait)
            else:
                self.attempts = attempt
                self.gate.record(host, out.OK)
                return reply

    def _check_open(self, host: str) -> None:
        if self.gate.blocked_for(host) > 0:
            raise HostBlocked.for_provider(
                out.RATE_LIMITED, self.provider, location_id=self.location_id, detail="host paused"
            )
        if time.monotonic() >= self.deadline:
            raise self.error(out.TIMEOUT, "link deadline passed")

    def _retry_wait(
        self, exc: ProviderError, attempt: int, mode: RetryMode, host: str
    ) -> float | None:
        """Seconds to wait before the next try, or None to give up."""
        if mode == "none":
            return None
        if exc.outcome == out.RATE_LIMITED:
            wait = (
                exc.retry_after if exc.retry_after is not None else self.policy.default_retry_after
            )
            if wait > self.policy.max_retry_after:
                if mode == "sync":
                    self.gate.pause(host, wait)
                return None
            limit = self.policy.attempts if mode == "sync" else 2
            return wait if attempt < limit else None
        retryable = exc.outcome in (out.TIMEOUT, out.NETWORK_ERROR) or (
            exc.outcome == out.SERVER_ERROR and exc.http_status in RETRY_STATUSES
        )
        if mode == "sync" and retryable and attempt < self.policy.attempts:
            return backoff_delay(self.policy, attempt)
        return None

    def _once(self, method: str, url: str, host: str, args: tuple) -> JsonReply:
        """One request: send, check status and type, read the capped body, parse JSON."""
        params, headers, json_body, timeout = args
        hdrs = {
            "Accept": "application/xml, text/xml;q=0.9" if self._accept_xml else "application/json",
            "User-Agent": USER_AGENT,
            "Accept-Encoding": "identity",
        }
        hdrs.update(headers or {})
        started = time.monotonic()
        body_deadline = min(self.deadline, started + self.settings.request_deadline)
        with self.gate.slot(host):
            try:
                resp = self.session.request(
                    method,
                    url,
                    params=params,
                    headers=hdrs,
                    json=json_body,
                    timeout=(self.settings.connect_timeout, timeout or self.settings.read_timeout),
                    allow_redirects=False,
                    stream=True,
                    verify=True,
                )
            except requests.exceptions.Timeout as exc:
                raise self.error(out.TIMEOUT, type(exc).__name__) from None
            except requests.exceptions.RequestException as exc:
                # Never str(exc): it can hold the URL, and FBC token URLs carry the secret.
                raise self.error(out.NETWORK_ERROR, type(exc).__name__) from None
            try:
                return self._reply(resp, body_deadline)
            finally:
                resp.close()

    def _read_body(self, resp: requests.Response, deadline: float, status: int) -> bytes:
        limit = self.settings.max_bytes
        length = resp.headers.get("Content-Length", "").strip()
        if length.isdigit() and int(length) > limit:
            raise self.error(out.TOO_LARGE, f"Content-Length {length}", http_status=status)
        buf = bytearray()
        try:
            while True:
                if time.monotonic() > deadline:
                    raise self.error(out.TIMEOUT, "body not complete in time", http_status=status)
                chunk = resp.raw.read1(CHUNK, decode_content=True)
                if not chunk:
                    return bytes(buf)
                buf += chunk
                if len(buf) > limit:
                    raise self.error(out.TOO_LARGE, f"body over {limit} bytes", http_status=status)
        except urllib3.exceptions.ReadTimeoutError:
            raise self.error(out.TIMEOUT, "read timeout in body", http_status=status) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise self.error(out.NETWORK_ERROR, type(exc).__name__, http_status=status) from None

    def _reply(self, resp: requests.Response, deadline: float) -> JsonReply:
        status = resp.status_code
        if 300 <= status < 400:
            raise self.error(out.REDIRECT_BLOCKED, f"HTTP {status} redirect", http_status=status)
        body = self._read_body(resp, deadline, status)
        head = body[:100].decode("utf-8", "replace").strip().lower()
        if status == 429 or head.startswith(RATE_LIMIT_TEXT):
            retry_after = parse_retry_after(resp.headers.get("Retry-After"))
            raise self.error(
                out.RATE_LIMITED, f"HTTP {status} rate limited", http_status=status,
                retry_after=retry_after,
            )  # fmt: skip
        json_type = is_json_content_type(resp.headers.get("Content-Type"))
        # Error bodies are read in either format (an XML INVALID_HASH is an auth error too).
        xml_type = not json_type and is_xml_content_type(resp.headers.get("Content-Type"))
        data = _decode(body, json_type=json_type, xml_type=xml_type)
        if not 200 <= status < 300:
            raise self._status_error(status, data)
        if not json_type and not self._require_json:
            return JsonReply(status, {})
        if not (json_type or (xml_type and self._accept_xml)):
            ctype = resp.headers.get("Content-Type", "")[:60]
            raise self.error(out.BAD_CONTENT_TYPE, f"Content-Type {ctype!r}", http_status=status)
        if data is None:
            kind = "JSON object" if json_type else "well-formed XML document"
            raise self.error(out.MALFORMED, f"body is not a strict {kind}", http_status=status)
        self._check_error_body(status, data)
        return JsonReply(status, data)

    def _status_error(self, status: int, data: dict[str, Any] | None) -> ProviderError:
        code, detail = error_summary(data, status)
        fbc = self.provider is Provider.FEEDBACK_COMPANY
        if status in (401, 403) or (status == 400 and (fbc or _has_invalid_hash(data))):
            outcome = out.AUTH_ERROR
        elif status in (404, 406, 410):
            outcome = out.NOT_FOUND
        elif status >= 500:
            outcome = out.SERVER_ERROR
        else:
            outcome = out.INVALID_DATA
        return self.error(outcome, detail, http_status=status, error_code=code)

    def _check_error_body(self, status: int, data: dict[str, Any]) -> None:
        """A 2xx can still report failure: KV's top-level `errorCode`, FBC's `error`/`success`."""
        if self.provider is Provider.FEEDBACK_COMPANY:
            text = _fbc_error_text(data)
            if text is None:
                return
            lowered = text.lower()
            auth = "401" in lowered or "unauthori" in lowered or "no access" in lowered
            outcome = out.AUTH_ERROR if auth else out.INVALID_DATA
            raise self.error(outcome, f"{text} (HTTP {status})", http_status=status)
        code = data.get("errorCode")
        if not code:
            return
        code_text, detail = error_summary(data, status)
        if _has_invalid_hash(data):
            outcome = out.AUTH_ERROR
        elif "NOT_FOUND" in str(code):
            outcome = out.NOT_FOUND
        elif "INTERNAL" in str(code):
            outcome = out.SERVER_ERROR
        else:
            outcome = out.INVALID_DATA
        raise self.error(outcome, detail, http_status=status, error_code=code_text)
