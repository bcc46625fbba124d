"""One deadline for all calls to the IdP in a login request.

OIDC_CONNECT_TIMEOUT and OIDC_READ_TIMEOUT bound each call's connect and each of its reads, but
a first login makes up to three calls (discovery, token, signing keys) in one request, and a
gunicorn worker that runs past its timeout is killed (the visitor gets a 502, not our Dutch
error). Inside `login_deadline` every call gets at most the time left until the deadline
(`LOGIN_DEADLINE`, portal/config/sections.py) for its connect and for each read, and a call
after the deadline is not made: `requests.Timeout`, which portal/auth/oidc.py turns into the
"not reachable" error page. An IdP that trickles an answer byte by byte can still stretch the
call under way past the deadline by up to one read timeout; the check on the timeouts at
start-up (IDP_CALLS x (connect + read) within LOGIN_DEADLINE) keeps the whole under the worker
timeout for an IdP that merely answers slowly.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from authlib.integrations.requests_client import OAuth2Session
from flask import g, has_app_context

from portal.config import sections

KEY = "oidc_deadline"


@contextmanager
def login_deadline(seconds: float | None = None) -> Iterator[None]:
    """The IdP calls made inside share one deadline, `seconds` (LOGIN_DEADLINE) from now."""
    limit = sections.LOGIN_DEADLINE if seconds is None else seconds
    setattr(g, KEY, time.monotonic() + limit)
    try:
        yield
    finally:
        g.pop(KEY, None)


def call_timeout(configured: Any) -> Any:
    """The (connect, read) timeout for the next IdP call: the configured one, cut to the time
    left before the login request's deadline.

    :raises requests.Timeout: the deadline has passed.
    """
    deadline = g.get(KEY) if has_app_context() else None
    if deadline is None or not configured:
        return configured
    left = deadline - time.monotonic()
    if left <= 0:
        raise requests.Timeout("the login request's deadline for the IdP has passed")
    connect, read = configured if isinstance(configured, tuple) else (configured, configured)
    return (min(connect, left), min(read, left))


class DeadlineSession(OAuth2Session):
    """authlib's requests session whose calls keep to the login request's deadline."""

    # authlib's OAuth2Session.request takes withhold_token, which requests' signature lacks.
    def request(  # type: ignore[override]
        self, method: str, url: str, withhold_token: bool = False, auth: Any = None, **kwargs: Any
    ) -> requests.Response:
        if "timeout" not in kwargs:
            kwargs["timeout"] = call_timeout(self.default_timeout)
        return super().request(method, url, withhold_token=withhold_token, auth=auth, **kwargs)
