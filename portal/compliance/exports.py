"""CSV and XLSX exports of the overview and of the Klantenvertellen exclusion list.

Every text cell passes `neutralise_formula`, so a value typed by a member (a company name
like `=HYPERLINK(...)`) is shown as text by spreadsheet programs, never run.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from sqlalchemy import select

from portal.compliance import status as st
from portal.compliance.services import OverviewRow
from portal.core.templating import AMSTERDAM
from portal.core.uploads import neutralise_formula
from portal.extensions import db
from portal.members.models import Company, MembershipStatus
from portal.reviews.models import PROVIDER_LABELS, Provider, ReviewSystem

OVERVIEW_HEADER = (
    "Lidnummer",
    "Naam",
    "KvK",
    "Postcode",
    "Plaats",
    "Provincie",
    "Beoordelingssysteem",
    "Score",
    "Schaal",
    "Aantal beoordelingen",
    "Zelf opgegeven",
    "Onder publicatieminimum",
    "Laatste geslaagde synchronisatie",
    "Laatste probleem",
    "Termijn",
    "Status",
    "Signalen",
)
EXCLUDED_HEADER = ("Lidnummer", "Naam", "KvK", "E-mail", "Systeem", "Status systeem", "Sinds")


def _cell(value: object) -> object:
    """A spreadsheet-safe cell: text neutralised, dates as ISO, decimals as numbers."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool):
        return "ja" if value else "nee"
    return neutralise_formula(value)


def overview_record(row: OverviewRow) -> tuple:
    """One overview row as export values (before neutralisation)."""
    f = row.facts
    return (
        f.member_number,
        f.name,
        f.kvk_number,
        f.postcode,
        f.city,
        row.province,
        str(st.KIND_LABELS[row.kind]),
        f.score,
        f.scale_max,
        f.review_count,
        f.self_reported,
        row.below_minimum,
        f.last_success_at,
        f.last_error_message,
        row.deadline,
        str(st.STATUS_LABELS[row.status]),
        "; ".join(str(s.label) for s in row.signals),
    )


def excluded_records() -> list[tuple]:
    """Active members on another system than Klantenvertellen (left out of the data delivery)."""
    rows = db.session.execute(
        select(
            Company.member_number,
            Company.trade_name,
            Company.legal_name,
            Company.kvk_number,
            Company.email,
            ReviewSystem.provider,
            ReviewSystem.other_name,
            ReviewSystem.status,
            ReviewSystem.created_at,
        )
        .join(ReviewSystem, ReviewSystem.company_id == Company.id)
        .where(
            Company.membership_status == MembershipStatus.ACTIVE,
            ReviewSystem.is_current.is_(True),
            ReviewSystem.provider != Provider.KLANTENVERTELLEN,
        )
        .order_by(Company.member_number)
    )
    return [
        (
            r.member_number,
            r.trade_name or r.legal_name,
            r.kvk_number,
            r.email,
            r.other_name
            if r.provider is Provider.OTHER and r.other_name
            else PROVIDER_LABELS[r.provider],
            r.status.value,
            r.created_at,
        )
        for r in rows
    ]


def to_csv(header: Sequence[str], records: Iterable[Sequence]) -> bytes:
    """UTF-8 with BOM and `;` (opens correctly in Dutch Excel), every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for record in records:
        writer.writerow([_cell(v) for v in record])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(header: Sequence[str], records: Iterable[Sequence], *, title: str) -> bytes:
    """A write-only workbook; neutralised text stays text (no cell becomes a formula)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(list(header))
    for record in records:
        sheet.append([_cell(v) for v in record])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
