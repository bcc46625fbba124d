"""Flask's signed session cookie, with its signing serializer made once per set of keys.

Flask builds a new serializer for every request that opens or saves the session, and
itsdangerous tries out the JSON serializer on each one it builds; on an anonymous public GET
(every live search of the ledenzoeker) that was the largest single cost of the request's
hooks. The cookie, its signature, salt and key rotation (SECRET_KEY_FALLBACKS) are Flask's:
the serializer is rebuilt whenever the keys change.

A request without any cookie gets Flask's new empty session without its cookies being parsed.
Saving an empty session nobody modified (every anonymous visitor without a session cookie)
sets and deletes nothing; Flask only adds "Vary: Cookie" when the session was read. That is
answered without Flask's seven cookie settings and its parse of the Vary header.
"""

from __future__ import annotations

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import URLSafeTimedSerializer

from portal.core.i18n import add_vary


class KeptSerializerSessionInterface(SecureCookieSessionInterface):
    """`SecureCookieSessionInterface` that keeps its serializer while the keys stay the same."""

    def __init__(self) -> None:
        self._kept: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        kept = self._kept
        if kept is None or kept[0] != keys:
            kept = self._kept = (keys, super().get_signing_serializer(app))
        return kept[1]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if "HTTP_COOKIE" in request.environ:
            return super().open_session(app, request)
        if self.get_signing_serializer(app) is None:
            return None
        return self.session_class()  # Flask's answer when the session cookie is missing

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not session and not session.modified:  # Flask: no cookie to set or delete
            if session.accessed:
                add_vary(response, "Cookie")
            return
        super().save_session(app, session, response)
