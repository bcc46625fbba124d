"""gunicorn access log without live secrets: e-mailed tokens in paths and referrers are masked.

The reset and activation links carry their token in the path (`/wachtwoord-herstellen/<token>`,
`/activeren/<token>`): a mail client can only open a URL. The form then posts the token in its
body, and this logger masks the token of the GET before the request line is written, in every
atom (request line, path, query, referrer and request headers).
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

TOKEN_PATH = re.compile(r"/(wachtwoord-herstellen|activeren)/[^/?#\s\"]+")
TOKEN_QUERY = re.compile(r"(?i)\b(token|code)=[^&\s\"]+")
MASK = "[verborgen]"


def mask(text: str) -> str:
    """The text with e-mailed tokens replaced by a marker."""
    text = TOKEN_PATH.sub(lambda m: f"/{m.group(1)}/{MASK}", text)
    return TOKEN_QUERY.sub(lambda m: f"{m.group(1)}={MASK}", text)


class MaskingLogger(Logger):
    """gunicorn's logger with every access-log atom passed through `mask`."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: mask(value) if isinstance(value, str) else value for key, value in atoms.items()
        }
