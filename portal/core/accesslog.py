"""gunicorn access log without live secrets: e-mailed tokens in paths and referrers are masked.

The reset and activation links carry their token in the path (`/wachtwoord-herstellen/<token>`,
`/activeren/<token>`), as does a complainant's status link (`/klacht-volgen/<token>`): a mail
client can only open a URL. The form then posts the token in its
body, and this logger masks the token of the GET before the request line is written, in every
atom (request line, path, query, referrer and request headers).
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

TOKEN_PATH = re.compile(
    r"/(wachtwoord-herstellen|activeren|klacht-volgen|e-mailadres-bevestigen|e-mailadres-intrekken)/[^/?#\s\"]+"
)
TOKEN_QUERY = re.compile(r"(?i)\b(token|code)=[^&\s\"]+")
MASK = "[verborgen]"
# Health probes run every few seconds; their successful answers would drown the access log.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def mask(text: str) -> str:
    """The text with e-mailed tokens replaced by a marker."""
    text = TOKEN_PATH.sub(lambda m: f"/{m.group(1)}/{MASK}", text)
    return TOKEN_QUERY.sub(lambda m: f"{m.group(1)}={MASK}", text)


def is_probe_noise(path: str, status: object) -> bool:
    """A successful probe or metrics scrape: left out of the access log (failures stay in)."""
    code = int(str(status).split(None, 1)[0]) if status else 0
    return path in QUIET_PATHS and 200 <= code < 400


class MaskingLogger(Logger):
    """gunicorn's logger with every access-log atom masked and successful probes left out."""

    def access(self, resp, req, environ, request_time):
        if is_probe_noise(environ.get("PATH_INFO", ""), resp.status):
            return
        super().access(resp, req, environ, request_time)

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: mask(value) if isinstance(value, str) else value for key, value in atoms.items()
        }
