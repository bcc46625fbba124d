"""Member-register import: a batch from a parsed upload, a preview against the database, apply.

Between preview and confirmation only the validated rows are kept (`ImportBatch`, one hour),
never the raw file. Applying claims the batch with a conditional UPDATE, so confirming twice
imports once, and upserts by lidnummer in the caller's single transaction. Services flush,
never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import PurePath
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Select, delete, or_, select, update
from sqlalchemy.orm import selectinload

from portal.core import audit, signals
from portal.core.db import new_uuid, rowcount, utcnow
from portal.core.uploads import ParsedTable
from portal.core.validation import CONTROL_RE, clean_text
from portal.extensions import db
from portal.members.importer_rows import COLUMNS, fold, map_columns, mark_duplicates, validate_row
from portal.members.models import Company, MembershipStatus, Recognition, Specialism
from portal.members.models_import import ImportBatch, ImportStatus
from portal.members.services import slugify

if TYPE_CHECKING:
    from portal.auth.models import User

BATCH_TTL = timedelta(hours=1)
APPLIED_KEEP = timedelta(days=7)
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 40
BULK_REFRESH_FROM = 200
CHUNK = 900
FIELDS = (
    "member_number", "kvk_number", "legal_name", "trade_name", "street", "house_number",
    "house_number_addition", "postcode", "city", "email", "membership_status", "member_since",
    "membership_ended_on", "establishment_number", "specialisms", "recognitions",
)  # fmt: skip
LISTS = ("specialisms", "recognitions")  # many-to-many fields, compared as sorted slugs
FIELD_LABELS = {name: label for name, (label, _v, _m) in COLUMNS.items()} | {
    "membership_status": COLUMNS["status"][0]
}
LOCAL_TZ = ZoneInfo("Europe/Amsterdam")


class ImportStateError(Exception):
    """A batch cannot be applied (already applied, expired, or it holds errors); Dutch message."""


@dataclass
class RowPlan:
    """What confirming would do with one row."""

    line: int
    member_number: str
    name: str
    kind: str  # "new", "changed", "unchanged" or "error"
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    """The preview of a batch: one RowPlan per data row, and counts per kind."""

    rows: list[RowPlan]
    columns: list[str]
    ignored: list[str]

    @property
    def counts(self) -> dict[str, int]:
        counts = {"new": 0, "changed": 0, "unchanged": 0, "error": 0}
        for row in self.rows:
            counts[row.kind] += 1
        return counts

    @property
    def can_apply(self) -> bool:
        counts = self.counts
        return counts["error"] == 0 and counts["new"] + counts["changed"] > 0

    def of_kind(self, kind: str) -> list[RowPlan]:
        return [row for row in self.rows if row.kind == kind]


def today() -> date:
    """The association's calendar date (Europe/Amsterdam)."""
    return datetime.now(LOCAL_TZ).date()


def specialism_lookup() -> dict[str, str]:
    """Folded name and slug of every active specialism → its slug."""
    return _lookup(select(Specialism).where(Specialism.active))


def recognition_lookup() -> dict[str, str]:
    """Folded name and slug of every recognition in the managed list → its slug."""
    return _lookup(select(Recognition))


def _lookup(query: Select[tuple[Specialism]] | Select[tuple[Recognition]]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for item in db.session.scalars(query):
        lookup[fold(item.name)] = item.slug
        lookup[fold(item.slug)] = item.slug
    return lookup


def clean_filename(filename: str) -> str:
    """The base name only, without control characters, for display."""
    name = CONTROL_RE.sub("", clean_text(PurePath((filename or "").replace("\\", "/")).name))
    return name[:120]


def create_batch(table: ParsedTable, *, filename: str, by: User) -> ImportBatch:
    """Validate every row of a parsed register file and keep the result for the preview.

    :raises ImportFileError: the header does not fit the register format.
    """
    columns, ignored = map_columns(table.header)
    specialisms, recognitions = specialism_lookup(), recognition_lookup()
    rows = []
    for line, values, parse_error in table.iter_rows():
        data, errors = validate_row(values, columns, specialisms, recognitions)
        rows.append(
            {"line": line, "data": data, "errors": ([parse_error] if parse_error else []) + errors}
        )
    mark_duplicates(rows)
    purge_expired()
    batch = ImportBatch(
        id=new_uuid(),
        created_by_id=by.id,
        expires_at=utcnow() + BATCH_TTL,
        filename=clean_filename(filename),
        rows={"columns": sorted(columns), "ignored": ignored, "rows": rows},
    )
    db.session.add(batch)
    audit.record(
        "member_import.uploaded",
        actor=by,
        subject=batch,
        changes={"rows": len(rows), "rows_with_errors": sum(1 for r in rows if r["errors"])},
    )
    db.session.flush()
    return batch


def purge_expired() -> None:
    """Drop previews older than an hour and applied batches older than a week."""
    now = utcnow()
    db.session.execute(
        delete(ImportBatch).where(
            or_(
                (ImportBatch.status == ImportStatus.PENDING) & (ImportBatch.expires_at < now),
                (ImportBatch.status == ImportStatus.APPLIED)
                & (ImportBatch.applied_at < now - APPLIED_KEEP),
            )
        )
    )


def is_expired(batch: ImportBatch) -> bool:
    return batch.status is ImportStatus.PENDING and batch.expires_at <= utcnow()


# --------------------------------------------------------------------------- comparing


def snapshot(company: Company | None) -> dict[str, Any]:
    """The imported fields of a company as plain JSON-able values ({} for a new one)."""
    if company is None:
        return {}
    data = {name: getattr(company, name) for name in FIELDS if name not in LISTS}
    data["membership_status"] = company.membership_status.value
    for name in ("member_since", "membership_ended_on"):
        data[name] = data[name].isoformat() if data[name] else None
    for name in LISTS:
        data[name] = sorted(item.slug for item in getattr(company, name))
    return data


def target(before: dict[str, Any], data: dict[str, Any], on: date) -> dict[str, Any]:
    """The values after import: given cells win, empty cells keep what is there.

    An ended membership without an end date gets the existing one or `on`; a membership that
    is no longer ended loses its end date unless the file gives one.
    """
    blank: dict[str, Any] = {name: "" for name in FIELDS}
    blank.update(
        member_since=None, membership_ended_on=None, establishment_number=None,
        specialisms=[], recognitions=[],
    )  # fmt: skip
    after = {**blank, **before, **data}
    if "membership_ended_on" not in data:
        if after["membership_status"] == MembershipStatus.ENDED.value:
            after["membership_ended_on"] = before.get("membership_ended_on") or on.isoformat()
        elif before.get("membership_status") == MembershipStatus.ENDED.value:
            after["membership_ended_on"] = None
    return after


def load_companies(numbers: list[str]) -> dict[str, Company]:
    """Existing companies by lidnummer, with their specialisms, in chunks of bound parameters."""
    found: dict[str, Company] = {}
    unique = sorted(set(numbers))
    for start in range(0, len(unique), CHUNK):
        chunk = unique[start : start + CHUNK]
        query = (
            select(Company)
            .where(Company.member_number.in_(chunk))
            .options(selectinload(Company.specialisms), selectinload(Company.recognitions))
        )
        found.update((c.member_number, c) for c in db.session.scalars(query))
    return found


def build_plan(batch: ImportBatch) -> Plan:
    """Compare every row of a batch with the database; nothing is changed."""
    stored = batch.rows or {}
    rows = stored.get("rows", [])
    existing = load_companies(
        [r["data"]["member_number"] for r in rows if r["data"].get("member_number")]
    )
    on = today()
    plans = []
    for row in rows:
        data = row["data"]
        number = data.get("member_number", "")
        company = existing.get(number)
        name = (
            data.get("trade_name")
            or data.get("legal_name")
            or (company.display_name if company else "")
        )
        if row["errors"]:
            plans.append(RowPlan(row["line"], number, name, "error", errors=row["errors"]))
            continue
        before = snapshot(company)
        changes = audit.diff(before, target(before, data, on))
        kind = "new" if company is None else ("changed" if changes else "unchanged")
        plans.append(RowPlan(row["line"], number, name, kind, changes=changes, data=data))
    return Plan(plans, stored.get("columns", []), stored.get("ignored", []))


# --------------------------------------------------------------------------- applying


def claim(batch: ImportBatch, *, by: User) -> None:
    """Mark a pending, unexpired batch as applied; a second confirmation finds nothing to claim.

    :raises ImportStateError: already applied or expired.
    """
    now = utcnow()
    result = db.session.execute(
        update(ImportBatch)
        .where(
            ImportBatch.id == batch.id,
            ImportBatch.created_by_id == by.id,
            ImportBatch.status == ImportStatus.PENDING,
            ImportBatch.expires_at > now,
        )
        .values(status=ImportStatus.APPLIED, applied_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        db.session.refresh(batch)
        if batch.status is ImportStatus.APPLIED:
            raise ImportStateError(
                _("Deze import is al verwerkt; er is niets opnieuw geïmporteerd.")
            )
        raise ImportStateError(_("De voorvertoning is verlopen. Upload het bestand opnieuw."))
    db.session.refresh(batch)


def apply_batch(batch: ImportBatch, *, by: User) -> dict[str, int]:
    """Upsert every row by lidnummer, with one audit entry per created or changed company.

    Everything happens in the caller's transaction: on any error the caller rolls back and
    nothing is imported.

    :raises ImportStateError: already applied, expired, or the batch holds rows with errors.
    """
    claim(batch, by=by)
    plan = build_plan(batch)
    if plan.counts["error"]:
        raise ImportStateError(_("Het bestand bevat fouten; herstel ze en upload het opnieuw."))
    managed: dict[str, dict[str, Any]] = {
        "specialisms": {s.slug: s for s in db.session.scalars(select(Specialism))},
        "recognitions": {r.slug: r for r in db.session.scalars(select(Recognition))},
    }
    existing = load_companies([row.member_number for row in plan.rows])
    taken = _taken_slugs([row for row in plan.rows if row.kind == "new"])
    touched: list[Company] = []
    on = today()
    for row in plan.rows:
        if row.kind == "unchanged":
            continue
        company = existing.get(row.member_number)
        before = snapshot(company)
        after = target(before, row.data, on)
        if company is None:
            company = _new_company(after, taken)
        _assign(company, after, managed)
        db.session.flush()
        action = "company.created_by_import" if row.kind == "new" else "company.updated_by_import"
        audit.record(action, actor=by, company=company, subject=company, changes=audit.diff(before, after))  # fmt: skip
        touched.append(company)
    counts = plan.counts
    summary = {
        "created": counts["new"],
        "updated": counts["changed"],
        "unchanged": counts["unchanged"],
    }
    batch.summary = summary
    batch.rows = {}  # the register data is no longer needed once applied
    audit.record(
        "member_import.applied",
        actor=by,
        subject=batch,
        changes={**summary, "filename": batch.filename},
    )
    db.session.flush()
    refresh_directory([c.id for c in touched])
    return summary


def _taken_slugs(new_rows: list[RowPlan]) -> set[str]:
    bases = {_slug_base(row.data) for row in new_rows}
    taken: set[str] = set()
    items = sorted(bases)
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        taken.update(db.session.scalars(select(Company.slug).where(Company.slug.in_(chunk))))
    return taken


def _slug_base(values: dict[str, Any]) -> str:
    name = values.get("trade_name") or values.get("legal_name") or ""
    city = values.get("city") or ""
    return slugify(name if fold(city) in fold(name) else f"{name} {city}")[:100]


def _new_company(after: dict[str, Any], taken: set[str]) -> Company:
    slug = _slug_base(after)
    if slug in taken:
        slug = f"{slug[:90]}-{after['member_number'].lower()}"
    taken.add(slug)
    company = Company(public_id=new_uuid(), slug=slug, member_number=after["member_number"])
    db.session.add(company)
    return company


def _assign(company: Company, after: dict[str, Any], managed: dict[str, dict[str, Any]]) -> None:
    """Copy the target values onto the company; `managed` maps list field → slug → row."""
    moved = company.postcode != after["postcode"] or company.city != after["city"]
    for name in FIELDS:
        if name in ("membership_status", "member_since", "membership_ended_on", *LISTS):
            continue
        setattr(company, name, after[name])
    company.membership_status = MembershipStatus(after["membership_status"])
    for name in ("member_since", "membership_ended_on"):
        setattr(company, name, date.fromisoformat(after[name]) if after[name] else None)
    for name in LISTS:
        if sorted(item.slug for item in getattr(company, name)) != after[name]:
            setattr(company, name, [managed[name][slug] for slug in after[name]])
    if moved:  # the directory geocodes the new postcode or place
        company.latitude = company.longitude = None


def refresh_directory(company_ids: list[int]) -> None:
    """Update the public directory rows of changed companies (all rows after a large import)."""
    if not company_ids:
        return
    if len(company_ids) >= BULK_REFRESH_FROM:
        signals.companies_changed.send(None, company_ids=None)
        return
    signals.companies_changed.send(None, company_ids=sorted(company_ids))
