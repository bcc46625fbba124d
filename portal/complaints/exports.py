"""Exports of the complaint figures: one row per complaint as CSV or XLSX, Dutch column names.

No personal data and no names: the same non-personal rows as the statistics (stats.Row).
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from openpyxl import Workbook

from portal.complaints.labels import (
    CHANNEL_LABELS,
    CUSTOMER_GROUPS,
    ROOT_CAUSES,
    SATISFACTION_LABELS,
    SEVERITY_LABELS,
    STATUS_LABELS,
    VERDICT_LABELS,
)
from portal.core.uploads import neutralise_formula

if TYPE_CHECKING:
    from portal.complaints.stats import Row

EXPORT_HEADER = (
    "Klachtnummer",
    "Ontvangen op",
    "Wijze van melding",
    "Categorie",
    "Ernst",
    "Soort installatie",
    "Klantgroep",
    "Status",
    "Termijn ontvangstbevestiging",
    "Ontvangst tijdig bevestigd",
    "Termijn afhandeling",
    "Eerst afgehandeld op",
    "Doorlooptijd (dagen)",
    "Binnen termijn",
    "Heropend (geschil)",
    "Heropend (probleem terug)",
    "Oordeel",
    "Oorzaak",
    "Oorzaak bij leverancier",
    "Kosten (euro)",
    "Tevredenheid klager",
)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("ja" if value else "nee")


def _label(labels: dict, value: str) -> str:
    for key, label in labels.items():
        if str(key) == value:
            return str(label)
    return value


def export_rows(rows: list[Row]) -> list[list]:
    """Rows for CSV/XLSX with Dutch labels, formula-neutralised; no personal data, no names."""
    out = []
    for r in rows:
        values = [
            r.reference,
            r.received_on.isoformat(),
            _label(CHANNEL_LABELS, r.channel),
            r.category,
            _label(SEVERITY_LABELS, r.severity),
            r.installation_type,
            _label(CUSTOMER_GROUPS, r.customer_group),
            _label(STATUS_LABELS, r.status),
            r.ack_due_on.isoformat() if r.ack_due_on else "",
            _yes_no(r.ack_in_time),
            r.due_on.isoformat(),
            r.first_closed_on.isoformat() if r.first_closed_on else "",
            "" if r.handling_days is None else r.handling_days,
            _yes_no(r.within_deadline),
            r.reopen_count - r.repeat_count,
            r.repeat_count,
            _label(VERDICT_LABELS, r.verdict),
            _label(ROOT_CAUSES, r.root_cause),
            _yes_no(r.supplier_fault),
            "" if r.costs is None else str(r.costs).replace(".", ","),
            _label(SATISFACTION_LABELS, r.satisfaction),
        ]
        out.append([neutralise_formula(v) for v in values])
    return out


def to_csv(rows: list[Row]) -> bytes:
    """Semicolon CSV with a UTF-8 BOM (opens correctly in Dutch Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    writer.writerows(export_rows(rows))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: list[Row]) -> bytes:
    """One-sheet workbook with the same columns as the CSV."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Klachten")
    sheet.append(list(EXPORT_HEADER))
    for values in export_rows(rows):
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
