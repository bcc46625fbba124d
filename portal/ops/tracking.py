"""Optional error tracking with Sentry (SENTRY_DSN), with personal data scrubbed before sending.

Nothing is sent without SENTRY_DSN, nor, in any environment, without SENTRY_SUBPROCESSOR (the
service declared as a sub-processor): events would go to a service nobody listed. Events carry the release (SENTRY_RELEASE, e.g. the deployed
git commit) and the environment (SENTRY_ENVIRONMENT, default PORTAL_ENV). `scrub_event` runs on
every event: no form bodies, cookies, query strings or headers other than a short allow-list, no
local variables, no user but an id, and every remaining string passes the log redaction
(e-mail addresses, secrets) and the access-log mask (e-mailed tokens in paths).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from flask import Flask

from portal.config import ObservabilitySettings
from portal.core.accesslog import mask
from portal.core.logs import redact

if TYPE_CHECKING:
    from sentry_sdk.types import Event, Hint

log = logging.getLogger(__name__)
SAFE_HEADERS = frozenset(
    {"accept", "accept-language", "content-type", "content-length", "hx-request", "hx-target",
     "hx-boosted", "user-agent", "x-request-id"}
)  # fmt: skip
DROPPED_REQUEST_KEYS = ("data", "cookies", "query_string", "env")


def init_app(app: Flask) -> None:
    """Start the Sentry client when SENTRY_DSN and SENTRY_SUBPROCESSOR are set (once per
    process)."""
    settings = ObservabilitySettings.of(app.config)
    dsn = settings.sentry_dsn
    if not dsn:
        return
    if not app.config.get("SENTRY_SUBPROCESSOR"):
        # Production refuses to start like this (check_deploy); elsewhere, and in `flask
        # doctor`, which loads the configuration anyway to explain it, nothing is sent to an
        # undeclared service (the doctor warns).
        log.warning(
            "error tracking off: SENTRY_DSN is set but SENTRY_SUBPROCESSOR is empty; no error "
            "reports are sent until the service is declared as a sub-processor"
        )
        return
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    sentry_sdk.init(
        dsn=dsn,
        release=settings.sentry_release or None,
        environment=settings.sentry_environment or app.config.get("PORTAL_ENV"),
        integrations=[FlaskIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=0.0,
        # Sentry types the hook with its Event TypedDict; at run time that is the plain dict
        # scrub_event works on (and returns).
        before_send=cast("Callable[[Event, Hint], Event | None]", scrub_event),
        before_breadcrumb=scrub_breadcrumb,
    )


def scrub_event(event: dict[str, Any], hint: dict | None = None) -> dict[str, Any]:
    """The event without personal data or secrets (also usable on its own, see the tests)."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in DROPPED_REQUEST_KEYS:
            request.pop(key, None)
        headers = request.get("headers") or {}
        request["headers"] = {
            name: value for name, value in dict(headers).items() if name.lower() in SAFE_HEADERS
        }
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if "id" in user else {}
    for exception in (event.get("exception") or {}).get("values") or []:
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    return _clean(event)


def scrub_breadcrumb(crumb: dict[str, Any], hint: dict | None = None) -> dict[str, Any]:
    """A breadcrumb (log line, HTTP call) with the same redaction."""
    return _clean(crumb)


def _clean(value: Any) -> Any:
    """Every string, however deep, redacted and masked (keys stay)."""
    if isinstance(value, str):
        return redact(mask(value))
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    return value
