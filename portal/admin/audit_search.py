"""The audit-log search of Beheer > Audit: filters kept in the URL, newest first."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, or_, select

from portal.core.audit_text import SUBJECT_ALIASES, subject_type_group
from portal.core.models import AuditEvent
from portal.core.templating import AMSTERDAM
from portal.extensions import db
from portal.members.models import Company


@dataclass(frozen=True)
class AuditFilters:
    """Search of the audit log, kept in the URL."""

    q: str = ""
    actie: str = ""
    lid: str = ""
    van: date | None = None
    tot: date | None = None

    def args(self) -> dict[str, str]:
        values = {
            "q": self.q,
            "actie": self.actie,
            "lid": self.lid,
            "van": self.van.isoformat() if self.van else "",
            "tot": self.tot.isoformat() if self.tot else "",
        }
        return {k: v for k, v in values.items() if v}


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip()) if value else None
    except ValueError:
        return None


def parse_audit_filters(args: Mapping[str, str]) -> AuditFilters:
    """Read the search; invalid dates are ignored rather than refused."""
    return AuditFilters(
        q=(args.get("q") or "").strip()[:100],
        actie=(args.get("actie") or "").strip()[:80],
        lid=(args.get("lid") or "").strip()[:20],
        van=_date(args.get("van")),
        tot=_date(args.get("tot")),
    )


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=AMSTERDAM)


def audit_query(filters: AuditFilters) -> Select[tuple[AuditEvent]]:
    """Newest first; text matches action, actor, subject and changes."""
    query = select(AuditEvent)
    if filters.q:
        like = _like(filters.q)
        query = query.where(
            or_(
                func.lower(AuditEvent.action).like(like, escape="\\"),
                func.lower(AuditEvent.actor_label).like(like, escape="\\"),
                func.lower(AuditEvent.subject_id).like(like, escape="\\"),
                func.lower(AuditEvent.subject_type).like(like, escape="\\"),
                AuditEvent.subject_type.in_(_aliased_subject_types(filters.q)),
            )
        )
    if filters.actie:
        query = query.where(AuditEvent.action.like(_like(filters.actie)[1:], escape="\\"))
    if filters.lid:
        company_ids = select(Company.id).where(Company.member_number == filters.lid.upper())
        query = query.where(AuditEvent.on_behalf_of_company_id.in_(company_ids))
    if filters.van:
        query = query.where(AuditEvent.created_at >= _start(filters.van))
    if filters.tot:
        query = query.where(AuditEvent.created_at < _start(filters.tot + timedelta(days=1)))
    return query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


def _aliased_subject_types(text: str) -> list[str]:
    """Every name of the subject types that have an older name which `text` is part of.

    "user_session" also finds the older records that say "session" (and "session" the newer).
    """
    needle = text.lower()
    found: set[str] = set()
    for old, new in SUBJECT_ALIASES.items():
        if needle in old or needle in new:
            found |= subject_type_group(new)
    return sorted(found)


def action_names() -> list[str]:
    """Distinct action prefixes for the filter (e.g. `review_system`, `compliance`)."""
    actions = db.session.scalars(select(AuditEvent.action).distinct()).all()
    return sorted({a.split(".", 1)[0] for a in actions})
