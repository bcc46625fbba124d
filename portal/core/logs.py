"""Structured JSON logging with redaction of secrets and customer e-mail addresses."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context, request

from portal.core.redaction import (  # noqa: F401  (EMAIL_RE, redact: re-exported)
    EMAIL_RE,
    RedactingFilter,
    redact,
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, event, user, company, route, IP."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        if has_request_context():
            data.update(
                route=request.endpoint,
                ip=request.remote_addr,
                user=getattr(g, "log_user", None),
                company=getattr(g, "log_company", None),
            )
        for key in ("event_type", "object"):
            if hasattr(record, key):
                data[key] = getattr(record, key)
        return json.dumps(data, ensure_ascii=False)


def register(app: Flask) -> None:
    """Install the redaction filter, and JSON lines when configured."""
    root = logging.getLogger()
    if not any(isinstance(f, RedactingFilter) for f in root.filters):
        root.addFilter(RedactingFilter())
    app.logger.addFilter(RedactingFilter())
    if app.config.get("LOG_JSON"):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RedactingFilter())
        app.logger.handlers[:] = [handler]
        app.logger.setLevel(logging.INFO)


def security_event(event_type: str, **details: object) -> None:
    """Log an auth, access or abuse event (never with secrets or customer e-mail)."""
    logging.getLogger("portal.security").warning(
        "%s %s",
        event_type,
        redact(json.dumps(details, default=str)),
        extra={"event_type": event_type},
    )
