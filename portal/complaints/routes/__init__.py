"""Complaint register (member), public complaint form and staff figures."""

from __future__ import annotations

from flask import Flask

from portal.complaints.labels import (
    CUSTOMER_GROUPS,
    INSTALLATION_TYPES,
    STATUS_CLASSES,
    STATUS_LABELS,
    history_text,
    iso_nl_date,
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

__all__ = ["bp", "init_app", "public_bp", "staff_bp"]


def init_app(app: Flask) -> None:
    """Add the templates' labels (the settings are `ComplaintSettings`, portal/config)."""
    app.jinja_env.globals.setdefault("complaint_status_labels", STATUS_LABELS)
    app.jinja_env.globals.setdefault("complaint_status_classes", STATUS_CLASSES)
    app.jinja_env.filters.setdefault("iso_nl_date", iso_nl_date)
    app.jinja_env.filters.setdefault("complaint_history", history_text)
    app.jinja_env.globals.setdefault("installation_types", INSTALLATION_TYPES)
    app.jinja_env.globals.setdefault("customer_groups", CUSTOMER_GROUPS)
