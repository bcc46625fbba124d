"""Flask's signed session cookie, with its signing serializer made once per set of keys.

Flask builds a new serializer for every request that opens or saves the session, and
itsdangerous tries out the JSON serializer on each one it builds; on an anonymous public GET
(every live search of the ledenzoeker) that was the largest single cost of the request's
hooks. The cookie, its signature, salt and key rotation (SECRET_KEY_FALLBACKS) are Flask's:
the serializer is rebuilt whenever the keys change.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


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
