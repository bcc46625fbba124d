"""The criterium-2 overview: one query for every active member (`facts.py`), then status,
signals, filters, sorting and pagination in Python (one place for the rules, see `status.py`)."""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select

from portal.compliance import status as st
from portal.compliance.facts import load_facts, thresholds
from portal.compliance.models import DeadlineExtension
from portal.compliance.regions import UNKNOWN, province_for_postcode, provinces
from portal.core import audit
from portal.core.templating import AMSTERDAM
from portal.directory.scores import PublicScore, ScoreState, public_score
from portal.extensions import db
from portal.members.models import Company

if TYPE_CHECKING:
    from portal.auth.models import User

PER_PAGE = 50
SORTS = (
    "naam",
    "lidnummer",
    "systeem",
    "score",
    "aantal",
    "sync",
    "termijn",
    "status",
    "signalen",
)
STATUS_ORDER = {
    st.ComplianceStatus.VOLDOET_NIET: 0,
    st.ComplianceStatus.IN_BEHANDELING: 1,
    st.ComplianceStatus.VOLDOET: 2,
}


class ComplianceError(ValueError):
    """A staff action cannot be done; the message is Dutch and shown on the form."""

    def __init__(self, message: Any, field: str = ""):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


@dataclass(frozen=True)
class OverviewRow:
    """One member in the overview, with everything computed."""

    facts: st.MemberFacts
    kind: st.SystemKind
    status: st.ComplianceStatus
    deadline: date
    signals: tuple[st.Signal, ...]
    score: PublicScore
    province: str
    overdue_days: int = 0  # days since the deadline passed without a working system

    @property
    def below_minimum(self) -> bool:
        """Linked with figures, but fewer reviews than the publication minimum."""
        return self.score.state in (ScoreState.BELOW_MINIMUM, ScoreState.NO_REVIEWS)

    @property
    def score_10(self) -> float | None:
        """Score on a 10-point scale, for sorting across providers."""
        f = self.facts
        if f.score is None or not f.scale_max:
            return None
        return float(f.score) * 10 / float(f.scale_max)


@dataclass
class Filters:
    """The overview's filter state, read from and written back to the URL."""

    q: str = ""
    status: str = ""
    systeem: str = ""
    signaal: str = ""
    provincie: str = ""
    minimum: str = ""
    sort: str = "naam"
    richting: str = "op"
    page: int = 1

    def args(self, **overrides: Any) -> dict[str, Any]:
        """Non-default values as URL arguments (for links, pagination, exports)."""
        values: dict[str, Any] = {
            "q": self.q,
            "status": self.status,
            "systeem": self.systeem,
            "signaal": self.signaal,
            "provincie": self.provincie,
            "minimum": self.minimum,
            "sort": "" if self.sort == "naam" else self.sort,
            "richting": "" if self.richting == "op" else self.richting,
        }
        values.update(overrides)
        if values.get("page") == 1:
            values.pop("page")
        return {k: v for k, v in values.items() if v not in ("", None)}


def parse_filters(args: Mapping[str, str]) -> Filters:
    """Read filters from query or form arguments; unknown values fall back to "all"."""

    def pick(name: str, allowed: Container[str]) -> str:
        value = (args.get(name) or "").strip()
        return value if value in allowed else ""

    try:
        page = int(args.get("page") or 1)
    except (TypeError, ValueError):
        page = 1
    return Filters(
        q=(args.get("q") or "").strip()[:100],
        status=pick("status", {s.value for s in st.ComplianceStatus}),
        systeem=pick("systeem", {k.value for k in st.SystemKind}),
        signaal=pick("signaal", set(st.SIGNAL_LABELS)),
        provincie=pick("provincie", {*provinces(), UNKNOWN}),
        minimum=pick("minimum", {"onder", "boven"}),
        sort=pick("sort", SORTS) or "naam",
        richting=pick("richting", {"op", "af"}) or "op",
        page=min(max(page, 1), 10_000),
    )


def build_row(facts: st.MemberFacts, limits: st.Thresholds, now: datetime) -> OverviewRow:
    """Apply the rules of `status.py` to one member."""
    today = now.astimezone(AMSTERDAM).date()
    deadline = st.effective_deadline(
        facts.member_since, facts.registered_on, limits.deadline_days, facts.extension
    )
    status = st.compute_status(facts.provider, facts.status, deadline=deadline, today=today)
    return OverviewRow(
        facts=facts,
        kind=st.system_kind(facts.provider, facts.status),
        status=status,
        deadline=deadline,
        overdue_days=(today - deadline).days
        if status is st.ComplianceStatus.VOLDOET_NIET and today > deadline
        else 0,
        signals=tuple(st.signals(facts, now=now, thresholds=limits)),
        score=public_score(
            facts,
            min_count=limits.publication_min,
            max_age_days=limits.max_age_days,
            now=now,
        ),
        province=province_for_postcode(facts.postcode),
    )


def overview_rows(now: datetime, *, company_ids: list[int] | None = None) -> list[OverviewRow]:
    """Every active member's overview row."""
    limits = thresholds()
    return [build_row(f, limits, now) for f in load_facts(company_ids=company_ids)]


def _matches_text(row: OverviewRow, needle: str) -> bool:
    f = row.facts
    haystack = (f.name, f.member_number, f.kvk_number, f.city, f.postcode)
    return any(needle in value.lower() for value in haystack)


def filter_rows(
    rows: list[OverviewRow], filters: Filters, *, with_status: bool = True
) -> list[OverviewRow]:
    """Rows matching the filters (the status filter can be left out for the counts)."""
    needle = filters.q.lower()
    result = []
    for row in rows:
        if needle and not _matches_text(row, needle):
            continue
        if with_status and filters.status and row.status.value != filters.status:
            continue
        if filters.systeem and row.kind.value != filters.systeem:
            continue
        if filters.signaal and all(s.code != filters.signaal for s in row.signals):
            continue
        if filters.provincie and row.province != filters.provincie:
            continue
        if filters.minimum == "onder" and not row.below_minimum:
            continue
        if filters.minimum == "boven" and row.score.state is not ScoreState.SHOWN:
            continue
        result.append(row)
    return result


def _sort_key(sort: str) -> Callable[[OverviewRow], Any]:
    def none_last(value: Any) -> tuple[bool, Any]:
        return (value is None, value if value is not None else 0)

    keys = {
        "naam": lambda r: r.facts.name.lower(),
        "lidnummer": lambda r: r.facts.member_number,
        "systeem": lambda r: str(st.KIND_LABELS[r.kind]),
        "score": lambda r: none_last(r.score_10),
        "aantal": lambda r: r.facts.review_count,
        "sync": lambda r: none_last(r.facts.last_success_at),
        "termijn": lambda r: r.deadline,
        "status": lambda r: STATUS_ORDER[r.status],
        "signalen": lambda r: len(r.signals),
    }
    return keys[sort]


def sort_rows(rows: list[OverviewRow], sort: str, direction: str) -> list[OverviewRow]:
    """Stable sort by the column, then by name and member number."""
    ordered = sorted(rows, key=lambda r: (r.facts.name.lower(), r.facts.member_number))
    return sorted(ordered, key=_sort_key(sort), reverse=direction == "af")


def count_by_status(rows: list[OverviewRow]) -> dict[st.ComplianceStatus, int]:
    """How many rows per status (every status present, zero included)."""
    counts = dict.fromkeys(st.ComplianceStatus, 0)
    for row in rows:
        counts[row.status] += 1
    return counts


class ListPagination(Pagination):
    """Flask-SQLAlchemy's pagination over an in-memory list (works with the pagination macro)."""

    def _query_items(self) -> list:
        start = (self.page - 1) * self.per_page
        return self._query_args["rows"][start : start + self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["rows"])


def overview(
    filters: Filters, now: datetime, *, per_page: int = PER_PAGE
) -> tuple[ListPagination, dict[st.ComplianceStatus, int], int]:
    """(page of rows, counts per status before the status filter, total active members)."""
    rows = overview_rows(now)
    without_status = filter_rows(rows, filters, with_status=False)
    counts = count_by_status(without_status)
    selected = filter_rows(without_status, filters)
    ordered = sort_rows(selected, filters.sort, filters.richting)
    page = ListPagination(
        page=filters.page, per_page=per_page, max_per_page=per_page, error_out=False, rows=ordered
    )
    return page, counts, len(rows)


def selected_rows(filters: Filters, now: datetime) -> list[OverviewRow]:
    """All rows of the filtered, sorted overview (exports and "select all")."""
    rows = filter_rows(overview_rows(now), filters)
    return sort_rows(rows, filters.sort, filters.richting)


def set_deadline(company: Company, *, deadline: date, reason: str, by: User) -> DeadlineExtension:
    """Set or extend a member's deadline with a reason; audited, flushes only.

    :raises ComplianceError: no reason given.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ComplianceError("Geef een reden op.", field="reason")
    previous = db.session.scalars(
        select(DeadlineExtension)
        .where(DeadlineExtension.company_id == company.id)
        .order_by(DeadlineExtension.id.desc())
        .limit(1)
    ).first()
    extension = DeadlineExtension(
        company_id=company.id, deadline=deadline, reason=reason, created_by_id=by.id
    )
    db.session.add(extension)
    db.session.flush()
    audit.record(
        "compliance.deadline_set",
        actor=by,
        company=company,
        subject=company,
        changes=audit.diff(
            {"deadline": previous.deadline.isoformat() if previous else None},
            {"deadline": deadline.isoformat(), "reason": reason},
        ),
    )
    return extension
