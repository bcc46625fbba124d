"""Dutch labels for member-register values that staff pages and import previews show."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.members.models import MembershipStatus

MEMBERSHIP_STATUS_LABELS: dict[str, object] = {
    MembershipStatus.ACTIVE: _l("actief"),
    MembershipStatus.SUSPENDED: _l("geschorst"),
    MembershipStatus.ENDED: _l("beëindigd"),
}


def membership_status_label(status: MembershipStatus | str | None) -> str:
    """'ended' → 'beëindigd'; an unknown value is shown as it is."""
    if status is None:
        return ""
    label = MEMBERSHIP_STATUS_LABELS.get(status)
    return str(label) if label is not None else str(status)
