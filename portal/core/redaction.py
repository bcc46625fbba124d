"""Masking of customer e-mail addresses and secret values in log text (no Flask: the provider
clients use it in worker threads)."""

from __future__ import annotations

import logging
import re

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
SECRET_RE = re.compile(
    r"(?i)(token|secret|password|authorization|x-publication-api-token|client_secret"
    r"|feed_hash|(?<!\w)hash)"
    r"([\"'=:\s]+)([^\s\"'&,]+)"
)


def redact(text: str) -> str:
    """Mask e-mail addresses and anything that looks like a secret value."""
    text = EMAIL_RE.sub("[e-mail]", text)
    return SECRET_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]", text)


class RedactingFilter(logging.Filter):
    """Rewrites every record's message through `redact` before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True
