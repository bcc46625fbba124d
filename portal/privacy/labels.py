"""Dutch labels of privacy requests, for the staff pages, filters and mails (one place)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.privacy.models import RequestKind, RequestStatus

KIND_LABELS = {
    RequestKind.ACCESS: _l("inzage"),
    RequestKind.RECTIFICATION: _l("rectificatie"),
    RequestKind.ERASURE: _l("verwijdering"),
    RequestKind.RESTRICTION: _l("beperking van de verwerking"),
    RequestKind.OBJECTION: _l("bezwaar"),
    RequestKind.PORTABILITY: _l("overdraagbaarheid"),
}
STATUS_LABELS = {
    RequestStatus.OPEN: _l("open"),
    RequestStatus.DONE: _l("afgehandeld"),
    RequestStatus.REJECTED: _l("afgewezen"),
}
