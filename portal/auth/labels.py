"""Dutch labels of account roles, for forms, pages and the staff console (one place)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from portal.auth.models import CompanyRole, Role

COMPANY_ROLE_LABELS = {
    CompanyRole.MEDEWERKER: _l("Medewerker"),
    CompanyRole.BEHEERDER: _l("Beheerder"),
}
STAFF_ROLE_LABELS = {
    Role.STAFF: _l("Medewerker ledenservice"),
    Role.ADMIN: _l("Beheerder"),
}


def choices(labels: dict) -> list[tuple[str, Any]]:
    """(value, label) pairs for a SelectField, in the map's order."""
    return [(str(key), label) for key, label in labels.items()]
