"""Management information on complaints: counts, handling times, deadline compliance, charts.

Definitions (shown on the page too):
- handling time: calendar days from receipt to the first closing;
- median: the usual median (mean of the two middle values for an even count);
- 90th percentile: nearest-rank method, the ⌈0,9·n⌉-th smallest handling time;
- within deadline: first closed before any handling deadline passed with the complaint open
  (an interim reply in time extends the deadline once; a letter or extension after the
  deadline does not make the case on time), as a share of the closed complaints;
- reopened share: complaints ever reopened (as a dispute or because the problem came back),
  as a share of the closed complaints; disputes and repeats are also counted apart.
No personal data is read: staff figures use the same rows.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from portal.complaints.labels import (
    CHANNEL_LABELS,
    CUSTOMER_GROUPS,
    ROOT_CAUSES,
    SATISFACTION_LABELS,
    SEVERITY_LABELS,
    STATUS_LABELS,
    VERDICT_LABELS,
)
from portal.complaints.models import Complaint, ComplaintCategory
from portal.extensions import db

SHORT_MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


@dataclass(frozen=True)
class Row:
    """The non-personal facts of one complaint."""

    reference: str
    received_on: date
    channel: str
    category: str
    status: str
    due_on: date
    first_closed_on: date | None
    reopen_count: int
    verdict: str
    satisfaction: str
    missed_due_on: date | None = None
    repeat_count: int = 0
    severity: str = "normal"
    root_cause: str = ""
    supplier_fault: bool = False
    handler: str = ""  # only for a company's own figures, never across companies
    installation_type: str = ""
    costs: Decimal | None = None
    ack_due_on: date | None = None
    acknowledged_on: date | None = None
    customer_group: str = ""

    @property
    def ack_in_time(self) -> bool | None:
        """Acknowledged on or before its deadline (None while not acknowledged)."""
        if self.acknowledged_on is None or self.ack_due_on is None:
            return None
        return self.acknowledged_on <= self.ack_due_on

    @property
    def handling_days(self) -> int | None:
        if self.first_closed_on is None:
            return None
        return (self.first_closed_on - self.received_on).days

    @property
    def within_deadline(self) -> bool | None:
        """Closed the first time before a deadline was missed (later rounds do not count)."""
        if self.first_closed_on is None:
            return None
        if self.missed_due_on is not None:
            return self.missed_due_on >= self.first_closed_on
        # Never missed: a reopened round's new deadline lies after the first closing anyway.
        return self.first_closed_on <= self.due_on


def load_rows(*, company_id: int | None, start: date, end: date) -> list[Row]:
    """Complaints received from `start` to `end` inclusive; all companies when company_id is None.

    Handler names are read for one company only (staff figures never name members' staff).
    """
    from portal.auth.models import User
    from portal.core.templating import AMSTERDAM

    stmt = (
        select(
            Complaint.reference,
            Complaint.received_on,
            Complaint.channel,
            ComplaintCategory.name,
            Complaint.status,
            Complaint.due_on,
            Complaint.first_closed_on,
            Complaint.reopen_count,
            Complaint.verdict,
            Complaint.satisfaction,
            Complaint.missed_due_on,
            Complaint.repeat_count,
            Complaint.severity,
            Complaint.root_cause,
            Complaint.supplier_fault,
            User.name if company_id is not None else Complaint.reference,
            Complaint.installation_type,
            Complaint.costs,
            Complaint.ack_due_on,
            Complaint.acknowledged_at,
            Complaint.customer_group,
        )
        .outerjoin(ComplaintCategory, ComplaintCategory.id == Complaint.category_id)
        .where(Complaint.received_on >= start, Complaint.received_on <= end)
        .order_by(Complaint.received_on, Complaint.id)
    )
    if company_id is not None:
        stmt = stmt.outerjoin(User, User.id == Complaint.handler_id).where(
            Complaint.company_id == company_id
        )
    rows = []
    for values in db.session.execute(stmt):
        (ref, received, channel, category, status, due, first_closed, reopened, verdict) = values[
            :9
        ]
        (satisfaction, missed, repeats, severity, cause, supplier, handler) = values[9:16]
        (installation, costs, ack_due, acknowledged_at, group) = values[16:]
        rows.append(
            Row(
                ref,
                received,
                channel.value,
                category or "",
                status.value,
                due,
                first_closed,
                reopened,
                verdict.value if verdict else "",
                satisfaction.value if satisfaction else "",
                missed,
                repeats or 0,
                severity.value if severity else "normal",
                cause or "",
                bool(supplier),
                (handler or "") if company_id is not None else "",
                installation or "",
                costs,
                ack_due,
                acknowledged_at.astimezone(AMSTERDAM).date() if acknowledged_at else None,
                group or "",
            )
        )
    return rows


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (pct from 0 to 100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Figures:
    """The figures for one period."""

    total: int
    closed: int
    open: int
    median_days: float | None
    p90_days: float | None
    within_deadline: int
    within_share: float | None
    reopened: int
    reopened_share: float | None
    repeats: int
    disputes: int
    ack_in_time: int
    ack_in_time_share: float | None
    supplier_faults: int
    costs_total: Decimal
    costs_average: Decimal | None
    by_verdict: list[tuple[str, int]]
    by_root_cause: list[tuple[str, int]]
    by_severity: list[tuple[str, int]]
    by_handler: list[tuple[str, int]]
    by_installation: list[tuple[str, int]]
    by_customer_group: list[tuple[str, int]]
    by_category: list[tuple[str, int]]
    by_channel: list[tuple[str, int]]
    by_status: list[tuple[str, int]]
    by_satisfaction: list[tuple[str, int]]
    by_month: list[tuple[str, int]]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def compute(rows: list[Row], *, start: date, end: date, with_handlers: bool = False) -> Figures:
    """All figures of the period from the rows (pure); per handler only for one company."""
    closed = [r for r in rows if r.first_closed_on is not None]
    days = [float(d) for r in closed if (d := r.handling_days) is not None]  # all closed ones
    within = sum(1 for r in closed if r.within_deadline)
    reopened = sum(1 for r in closed if r.reopen_count > 0)
    categories = Counter(r.category or "Geen categorie" for r in rows)
    channels = Counter(r.channel for r in rows)
    statuses = Counter(r.status for r in rows)
    satisfaction = Counter(r.satisfaction for r in rows if r.satisfaction)
    acknowledged = [r for r in rows if r.ack_in_time is not None]
    ack_ok = sum(1 for r in acknowledged if r.ack_in_time)
    costs = [r.costs for r in rows if r.costs is not None]
    return Figures(
        total=len(rows),
        closed=len(closed),
        open=sum(1 for r in rows if r.status != "closed"),
        median_days=statistics.median(days) if days else None,
        p90_days=percentile(days, 90),
        within_deadline=within,
        within_share=_share(within, len(closed)),
        reopened=reopened,
        reopened_share=_share(reopened, len(closed)),
        repeats=sum(1 for r in rows if r.repeat_count > 0),
        disputes=sum(1 for r in rows if r.reopen_count > r.repeat_count),
        ack_in_time=ack_ok,
        ack_in_time_share=_share(ack_ok, len(acknowledged)),
        supplier_faults=sum(1 for r in rows if r.supplier_fault),
        costs_total=sum(costs, Decimal(0)),
        costs_average=(sum(costs, Decimal(0)) / len(costs)).quantize(Decimal("0.01"))
        if costs
        else None,
        by_verdict=_labelled(rows, "verdict", VERDICT_LABELS),
        by_root_cause=_labelled(rows, "root_cause", ROOT_CAUSES),
        by_severity=[
            (str(SEVERITY_LABELS[k]), sum(1 for r in rows if r.severity == k.value))
            for k in SEVERITY_LABELS
        ],
        by_handler=_counted(r.handler or "Nog niemand" for r in rows) if with_handlers else [],
        by_installation=_counted(r.installation_type or "Onbekend" for r in rows),
        by_customer_group=_counted(
            str(CUSTOMER_GROUPS.get(r.customer_group, "Onbekend")) for r in rows
        ),
        by_category=sorted(categories.items(), key=lambda kv: (-kv[1], kv[0])),
        by_channel=[(str(CHANNEL_LABELS[k]), channels[k.value]) for k in CHANNEL_LABELS],
        by_status=[(str(STATUS_LABELS[k]), statuses[k.value]) for k in STATUS_LABELS],
        by_satisfaction=[
            (str(SATISFACTION_LABELS[k]), satisfaction[k.value]) for k in SATISFACTION_LABELS
        ],
        by_month=_months(rows, start, end),
    )


def _counted(values: Iterable[str]) -> list[tuple[str, int]]:
    counts = Counter(values)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _labelled(rows: list[Row], attribute: str, labels: dict) -> list[tuple[str, int]]:
    """Counts per known value in label order (only values that occur), then "Onbekend"."""
    counts = Counter(getattr(r, attribute) for r in rows if getattr(r, attribute))
    out = [(str(label), counts[str(key)]) for key, label in labels.items() if counts[str(key)]]
    return out


def _months(rows: list[Row], start: date, end: date) -> list[tuple[str, int]]:
    counts = Counter((r.received_on.year, r.received_on.month) for r in rows)
    months: list[tuple[str, int]] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month) and len(months) < 36:
        months.append((f"{SHORT_MONTHS[month - 1]} {year}", counts[(year, month)]))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# --- Charts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One bar, placed on the canvas."""

    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    """A simple server-rendered bar chart (vertical bars, label under each)."""

    title: str
    bars: tuple[Bar, ...]
    max_value: int
    width: int = 640
    height: int = 200
    baseline: int = 170


def bar_chart(title: str, series: list[tuple[str, int]]) -> BarChart | None:
    """Bars scaled to the largest value; None when there is nothing to draw."""
    if not series or not any(v for _, v in series):
        return None
    width, top, baseline, left, right = 640, 16, 170, 8, 8
    top_value = max(v for _, v in series)
    slot = (width - left - right) / len(series)
    bar_w = max(4.0, slot * 0.7)
    bars = []
    for index, (label, value) in enumerate(series):
        h = (baseline - top) * value / top_value
        x = left + index * slot + (slot - bar_w) / 2
        bars.append(
            Bar(label, value, round(x, 1), round(baseline - h, 1), round(bar_w, 1), round(h, 1))
        )
    return BarChart(title, tuple(bars), top_value)
