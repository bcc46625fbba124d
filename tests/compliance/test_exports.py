"""CSV and XLSX exports: formula injection neutralised, filters applied, exclusion list."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.core.models import AuditEvent
from portal.extensions import db
from portal.reviews.models import Provider, SystemStatus

PAYLOADS = ['=HYPERLINK("http://x")', "+31 20 1234", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_csv_and_xlsx_neutralise_formulas(staff_client, make_company, payload):
    make_company(trade_name=payload, city=payload, member_since=date(2020, 1, 1))
    for fmt, reader in (("csv", read_csv), ("xlsx", read_xlsx)):
        response = staff_client.get(f"/beheer/criterium-2/export.{fmt}")
        assert response.status_code == 200
        assert "attachment" in response.headers["Content-Disposition"]
        header, row = reader(response.data)
        # XML stores a lone CR as a line break; the leading quote is what matters.
        expected = "'" + (payload.replace("\r", "\n") if fmt == "xlsx" else payload)
        assert header[1] == "Naam" and header[4] == "Plaats"
        assert row[1] == expected, fmt
        assert row[4] == expected, fmt


def test_xlsx_cells_are_text_not_formulas(staff_client, make_company):
    make_company(trade_name="=1+1", member_since=date(2020, 1, 1))
    data = staff_client.get("/beheer/criterium-2/export.xlsx").data
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["B2"].data_type == "s" and sheet["B2"].value == "'=1+1"


def test_export_follows_the_filters_and_is_audited(staff_client, make_company, make_system):
    ok = make_company(trade_name="Goed Bedrijf", member_since=date(2020, 1, 1))
    make_system(ok)
    make_company(trade_name="Fout Bedrijf", member_since=date(2020, 1, 1))
    rows = read_csv(staff_client.get("/beheer/criterium-2/export.csv?status=voldoet_niet").data)
    assert [r[1] for r in rows[1:]] == ["Fout Bedrijf"]
    assert rows[1][rows[0].index("Status")] == "voldoet niet"
    assert rows[1][6] == "Geen systeem"
    event = db.session.scalars(select(AuditEvent)).one()
    assert event.action == "compliance.exported"
    assert event.changes["rows"]["new"] == 1


def test_excluded_from_data_delivery(staff_client, make_company, make_system):
    kv = make_company(trade_name="Op Klantenvertellen")
    make_system(kv, Provider.KLANTENVERTELLEN)
    kiyoh = make_company(trade_name="Op Kiyoh", member_number="A0001")
    make_system(kiyoh, Provider.KIYOH)
    other = make_company(trade_name="=Ander", member_number="A0002")
    make_system(other, Provider.OTHER, SystemStatus.IN_REVIEW, other_name="@Trustpilot")
    make_company(trade_name="Zonder systeem")
    rows = read_csv(staff_client.get("/beheer/criterium-2/datalevering-uitgesloten.csv").data)
    assert rows[0][:2] == ["Lidnummer", "Naam"]
    assert [(r[0], r[1], r[4]) for r in rows[1:]] == [
        ("A0001", "Op Kiyoh", "Kiyoh"),
        ("A0002", "'=Ander", "'@Trustpilot"),
    ]
    xlsx = read_xlsx(staff_client.get("/beheer/criterium-2/datalevering-uitgesloten.xlsx").data)
    assert [r[1] for r in xlsx[1:]] == ["Op Kiyoh", "'=Ander"]


def test_unknown_format_is_404(staff_client):
    assert staff_client.get("/beheer/criterium-2/export.pdf").status_code == 404


def test_overview_and_exports_mark_self_reported_scores(staff_client, make_company, make_system):
    reported = make_company(trade_name="Zelf Gemeld", member_number="A0010")
    make_system(reported, Provider.OTHER, SystemStatus.APPROVED, self_reported=True)
    linked = make_company(trade_name="Gekoppeld", member_number="A0011")
    make_system(linked, Provider.KIYOH)

    page = staff_client.get("/beheer/criterium-2/?q=Zelf").text
    assert '8,5 / 10 <span class="badge status-info">zelf opgegeven</span>' in page
    assert "zelf opgegeven" not in staff_client.get("/beheer/criterium-2/?q=Gekoppeld").text
    member_page = staff_client.get(f"/beheer/criterium-2/leden/{reported.public_id}").text
    assert "zelf opgegeven" in member_page
    for fmt, reader in (("csv", read_csv), ("xlsx", read_xlsx)):
        header, *rows = reader(staff_client.get(f"/beheer/criterium-2/export.{fmt}").data)
        column = header.index("Zelf opgegeven")
        assert {r[0]: r[column] for r in rows} == {"A0010": "ja", "A0011": "nee"}, fmt
