"""Complaint register (member), public complaint form and staff figures."""

from __future__ import annotations

from datetime import date

from flask import Flask

from portal.complaints.labels import (
    CUSTOMER_GROUPS,
    INSTALLATION_TYPES,
    STATUS_CLASSES,
    STATUS_LABELS,
)
from portal.complaints.routes import (  # noqa: F401  (attach their views)
    actions,
    attachments,
    cases,
    docs,
    escalation,
    figures,
    instruction,
    intake,
    settings,
    solutions,
)
from portal.complaints.routes.blueprint import bp
from portal.complaints.routes.public import bp as public_bp
from portal.complaints.routes.staff import bp as staff_bp
from portal.core.templating import nl_date

__all__ = ["bp", "init_app", "public_bp", "staff_bp"]


def init_app(app: Flask) -> None:
    """Add the templates' labels (the settings are `ComplaintSettings`, portal/config)."""
    app.jinja_env.globals.setdefault("complaint_status_labels", STATUS_LABELS)
    app.jinja_env.globals.setdefault("complaint_status_classes", STATUS_CLASSES)
    app.jinja_env.filters.setdefault("iso_nl_date", _iso_nl_date)
    app.jinja_env.globals.setdefault("installation_types", INSTALLATION_TYPES)
    app.jinja_env.globals.setdefault("customer_groups", CUSTOMER_GROUPS)


def _iso_nl_date(value: str) -> str:
    """An ISO date kept as text (a history note) as a Dutch date; other text unchanged."""
    try:
        return nl_date(date.fromisoformat(value))
    except (TypeError, ValueError):
        return value
