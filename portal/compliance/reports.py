"""Summary figures: members per status over time, per system kind and per province, plus the
geometry of a small server-rendered stacked-bar SVG chart."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.compliance import status as st
from portal.compliance.models import DeadlineExtension
from portal.compliance.regions import UNKNOWN, provinces
from portal.compliance.services import OverviewRow, count_by_status
from portal.core.models import AuditEvent
from portal.core.templating import AMSTERDAM, MONTHS
from portal.extensions import db
from portal.members.models import Company
from portal.reviews.models import Provider, ReviewSystem, SystemStatus

DECISION_ACTIONS = {
    "review_system.approved": SystemStatus.APPROVED,
    "review_system.rejected": SystemStatus.REJECTED,
    "review_system.more_info": SystemStatus.MORE_INFO,
}
ORDER = (
    st.ComplianceStatus.VOLDOET,
    st.ComplianceStatus.IN_BEHANDELING,
    st.ComplianceStatus.VOLDOET_NIET,
)


def by_kind(rows: list[OverviewRow]) -> list[tuple[st.SystemKind, int]]:
    """Members per review-system kind, in the fixed kind order."""
    counts = dict.fromkeys(st.SystemKind, 0)
    for row in rows:
        counts[row.kind] += 1
    return list(counts.items())


def by_province(rows: list[OverviewRow]) -> list[tuple[str, dict, int]]:
    """(province, counts per status, total) for the 12 provinces and "Onbekend"."""
    groups: dict[str, list[OverviewRow]] = defaultdict(list)
    for row in rows:
        groups[row.province].append(row)
    names = [*provinces(), UNKNOWN]
    return [(name, count_by_status(groups[name]), len(groups[name])) for name in names]


def month_ends(today: date, months: int) -> list[date]:
    """The last day of each of the previous `months - 1` months, then today."""
    ends = []
    first = today.replace(day=1)
    for back in range(months - 1, 0, -1):
        month_first = st.add_months(first, -back + 1)
        ends.append(month_first - timedelta(days=1))
    ends.append(today)
    return ends


def _started(system: ReviewSystem) -> datetime:
    """When a system began: the earliest of creation, request and activation."""
    return min(t for t in (system.created_at, system.requested_at, system.activated_at) if t)


def _status_at(
    system: ReviewSystem, decisions: list[tuple[datetime, SystemStatus]], moment: datetime
) -> SystemStatus:
    """The status a system had at `moment`, rebuilt from its timestamps and the audit trail."""
    if system.provider is Provider.OTHER:
        known = [status for at, status in decisions if at <= moment]
        if known:
            return known[-1]
        decided = system.decided_at is not None and system.decided_at <= moment
        if decided and system.status is not SystemStatus.ENDED:
            return system.status  # decided before the audit trail existed
        return SystemStatus.IN_REVIEW
    if system.included:
        active = system.activated_at is not None and system.activated_at <= moment
        return SystemStatus.ACTIVE if active else SystemStatus.REQUESTED
    return SystemStatus.ACTIVE


def _timelines(decisions: dict[str, list]) -> dict[int, list[tuple]]:
    """Per company: (start, end, system, decisions) of every system, oldest start first."""
    timelines: dict[int, list[tuple]] = defaultdict(list)
    for system in db.session.scalars(select(ReviewSystem)):
        timelines[system.company_id].append(
            (_started(system), system.ended_at, system, decisions.get(system.public_id, []))
        )
    for items in timelines.values():
        items.sort(key=lambda item: item[0])
    return timelines


def _decisions() -> dict[str, list]:
    """Staff decisions on other systems from the audit trail, oldest first."""
    found: dict[str, list] = defaultdict(list)
    for created_at, action, subject_id in db.session.execute(
        select(AuditEvent.created_at, AuditEvent.action, AuditEvent.subject_id)
        .where(AuditEvent.action.in_(DECISION_ACTIONS))
        .order_by(AuditEvent.created_at)
    ):
        found[subject_id].append((created_at, DECISION_ACTIONS[action]))
    return found


def _status_on(
    company: _CompanyDates,
    timeline: Sequence[tuple],
    extensions: Sequence[tuple[datetime, date]],
    day: date,
    deadline_days: int,
) -> st.ComplianceStatus | None:
    """One company's criterium-2 status at the end of `day`, or None when not a member."""
    joined = company.member_since or company.registered
    if joined > day or (
        company.membership_ended_on is not None and company.membership_ended_on <= day
    ):
        return None
    moment = datetime.combine(day, time(23, 59, 59), tzinfo=AMSTERDAM)
    live = [
        item for item in timeline if item[0] <= moment and (item[1] is None or item[1] > moment)
    ]
    provider = status = None
    if live:
        _start, _end, system, decisions = live[-1]
        provider, status = system.provider, _status_at(system, decisions, moment)
    set_by_staff = [deadline for created, deadline in extensions if created <= moment]
    deadline = st.effective_deadline(
        company.member_since,
        company.registered,
        deadline_days,
        set_by_staff[-1] if set_by_staff else None,
    )
    return st.compute_status(provider, status, deadline=deadline, today=day)


def history(today: date, *, months: int, deadline_days: int) -> list[tuple[date, dict]]:
    """Members per status at each month end, rebuilt from review-system history, the audit
    trail of decisions and deadline extensions (memberships ended since then included)."""
    companies = [
        _CompanyDates(
            c.id, c.member_since, c.created_at.astimezone(AMSTERDAM).date(), c.membership_ended_on
        )
        for c in db.session.execute(
            select(
                Company.id, Company.member_since, Company.created_at, Company.membership_ended_on
            )
        )
    ]
    timelines = _timelines(_decisions())
    extensions: dict[int, list] = defaultdict(list)
    for company_id, created_at, deadline in db.session.execute(
        select(
            DeadlineExtension.company_id, DeadlineExtension.created_at, DeadlineExtension.deadline
        ).order_by(DeadlineExtension.id)
    ):
        extensions[company_id].append((created_at, deadline))
    result = []
    for day in month_ends(today, months):
        counts = dict.fromkeys(st.ComplianceStatus, 0)
        for company in companies:
            status = _status_on(
                company,
                timelines.get(company.id, ()),
                extensions.get(company.id, ()),
                day,
                deadline_days,
            )
            if status is not None:
                counts[status] += 1
        result.append((day, counts))
    return result


@dataclass(frozen=True, slots=True)
class _CompanyDates:
    id: int
    member_since: date | None
    registered: date
    membership_ended_on: date | None


@dataclass(frozen=True)
class Segment:
    """One coloured part of a bar."""

    status: str
    y: float
    height: float
    count: int


@dataclass(frozen=True)
class Bar:
    """One month's stacked bar."""

    label: str
    x: float
    width: float
    total: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class StackedChart:
    """Coordinates for templates/compliance/_chart.svg (numbers only, autoescaped)."""

    bars: tuple[Bar, ...]
    gridlines: tuple[tuple[float, str], ...]
    width: int
    height: int
    left: int
    base_y: float


def stacked_chart(
    points: list[tuple[date, dict]], *, width: int = 640, height: int = 240
) -> StackedChart:
    """Stacked bars (voldoet / in behandeling / voldoet niet) on a shared 0..max scale."""
    left, right, top, bottom = 44, 8, 10, 28
    top_value = max([sum(c.values()) for _, c in points] + [1])
    step = _nice_step(top_value)
    top_value = ((top_value + step - 1) // step) * step
    plot_h = height - top - bottom
    slot = (width - left - right) / max(len(points), 1)
    bars = []
    for index, (day, counts) in enumerate(points):
        y = float(height - bottom)
        segments = []
        for status in ORDER:
            h = round(counts[status] / top_value * plot_h, 2)
            y = round(y - h, 2)
            segments.append(Segment(status.value, y, h, counts[status]))
        label = f"{MONTHS[day.month - 1][:3]} {day.year % 100:02d}"
        bars.append(
            Bar(
                label,
                round(left + index * slot + slot * 0.15, 2),
                round(slot * 0.7, 2),
                sum(counts.values()),
                tuple(segments),
            )
        )
    gridlines = tuple(
        (round(height - bottom - v / top_value * plot_h, 2), f"{v:,}".replace(",", "."))
        for v in range(0, top_value + 1, step)
    )
    return StackedChart(tuple(bars), gridlines, width, height, left, float(height - bottom))


def _nice_step(value: int) -> int:
    """A round gridline step giving about four lines."""
    raw = max(value / 4, 1)
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude
