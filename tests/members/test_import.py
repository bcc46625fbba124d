"""Member-register import: upload → preview → confirm, idempotency, one transaction, bad files."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy import func, select

from portal.auth.models import Role
from portal.core.db import utcnow
from portal.core.models import AuditEvent
from portal.extensions import db
from portal.members import importer
from portal.members.models import Company, MembershipStatus, Specialism
from portal.members.models_import import ImportBatch, ImportStatus

HEADER = "lidnummer;KvK;statutaire naam;handelsnaam;straat;huisnummer;toevoeging;postcode;plaats;e-mail;vakgebieden;status;lid sinds;einddatum\n"  # fmt: skip
ROWS = [
    "L000001;12345678;Jansen Installaties B.V.;Jansen;Kerkstraat;12;;3511 AB;Utrecht;info@jansen.example;Verwarming|Sanitair;actief;01-02-2003;\n",
    "L000002;87654321;Bakker Elektro B.V.;;Dorpsstraat;3;a;8011AA;Zwolle;;Elektrotechniek;actief;2010-05-01;\n",
]  # fmt: skip


@pytest.fixture
def staff(client, make_user, login):
    for slug, name in (
        ("verwarming", "Verwarming"),
        ("sanitair", "Sanitair"),
        ("elektrotechniek", "Elektrotechniek"),
    ):
        db.session.add(Specialism(slug=slug, name=name))
    db.session.commit()
    user = make_user(role=Role.STAFF)
    login(client, user)
    return user


def upload(client, content: bytes, name: str = "leden.csv"):
    return client.post(
        "/beheer/leden/import/",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def csv_file(*rows: str) -> bytes:
    return (HEADER + "".join(rows)).encode()


def preview_of(client, content: bytes, name: str = "leden.csv"):
    response = upload(client, content, name)
    assert response.status_code == 303, response.text
    batch_id = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    return batch_id, client.get(response.headers["Location"])


def confirm(client, batch_id: str):
    return client.post(f"/beheer/leden/import/{batch_id}/bevestigen")


def counts_of(page_text: str) -> tuple[str, ...]:
    """The four numbers of the counts list, in order nieuw, gewijzigd, ongewijzigd, fouten."""
    import re

    return tuple(re.findall(r"<li class=\"count-\w+\"><strong>([\d.]+)</strong>", page_text))


def company(number: str) -> Company:
    db.session.expire_all()
    return db.session.scalars(select(Company).where(Company.member_number == number)).one()


def audit_count(action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


# --------------------------------------------------------------------------- access


def test_form_is_for_staff_only(client, staff):
    page = client.get("/beheer/leden/import/")
    assert page.status_code == 200
    assert "Ledenregister importeren" in page.text and 'enctype="multipart/form-data"' in page.text


def test_members_get_404(client, make_user, login):
    login(client, make_user())
    assert client.get("/beheer/leden/import/").status_code == 404
    assert upload(client, csv_file(*ROWS)).status_code == 404


# --------------------------------------------------------------------------- preview and confirm


def test_preview_counts_then_confirm_imports_once(client, staff, make_company):
    make_company(member_number="L000002", kvk_number="87654321", legal_name="Bakker Elektro B.V.",
                 trade_name="", street="Dorpsstraat", house_number="1", postcode="8011 AA", city="Zwolle")  # fmt: skip
    make_company(member_number="L000003", kvk_number="11112222", legal_name="Ongewijzigd B.V.",
                 trade_name="", street="", house_number="", postcode="", city="", email="")  # fmt: skip
    unchanged = "L000003;11112222;Ongewijzigd B.V.;;;;;;;;;actief;;\n"
    batch_id, page = preview_of(client, csv_file(*ROWS, unchanged))
    assert page.status_code == 200
    assert counts_of(page.text) == ("1", "1", "1", "0")
    assert "Import bevestigen" in page.text
    assert "Huisnummer:" in page.text  # the change of L000002 is listed
    assert (
        db.session.scalar(select(func.count()).select_from(Company)) == 2
    )  # preview changes nothing

    response = confirm(client, batch_id)
    assert response.status_code == 303 and response.headers["Location"].endswith("/beheer/leden")
    listing = client.get("/beheer/leden")
    assert "Het ledenregister is geïmporteerd: 1 nieuw, 1 gewijzigd, 1 ongewijzigd." in listing.text
    new = company("L000001")
    assert (new.legal_name, new.trade_name, new.postcode, new.email) == (
        "Jansen Installaties B.V.",
        "Jansen",
        "3511 AB",
        "info@jansen.example",
    )
    assert [s.slug for s in new.specialisms] == ["sanitair", "verwarming"]
    assert new.member_since == date(2003, 2, 1) and new.slug == "jansen-utrecht"
    changed = company("L000002")
    assert (changed.house_number, changed.house_number_addition) == ("3", "a")
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "company.updated_by_import")
    ).one()
    assert event.changes["house_number"] == {"old": "1", "new": "3"}
    assert event.actor_id == staff.id and event.on_behalf_of_company_id == changed.id
    assert audit_count("company.created_by_import") == 1
    summary = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "member_import.applied")
    ).one()
    assert summary.changes == {"created": 1, "updated": 1, "unchanged": 1, "filename": "leden.csv"}
    batch = db.session.get(ImportBatch, batch_id)
    assert batch.status is ImportStatus.APPLIED and batch.rows == {}

    again = confirm(client, batch_id)
    assert again.status_code == 303
    assert (
        "Deze import is al verwerkt; er is niets opnieuw geïmporteerd."
        in client.get("/beheer/leden").text
    )
    assert (
        audit_count("company.created_by_import") == 1 and audit_count("member_import.applied") == 1
    )


def test_importing_the_same_file_twice_changes_nothing_the_second_time(client, staff):
    content = csv_file(*ROWS)
    batch_id, _ = preview_of(client, content)
    confirm(client, batch_id)
    before = [
        (c.member_number, c.updated_at, c.legal_name) for c in db.session.scalars(select(Company))
    ]
    batch_id, page = preview_of(client, content)
    assert counts_of(page.text) == ("0", "0", "2", "0")
    assert "Niets te importeren: alle gegevens in het bestand zijn al actueel." in page.text
    assert "Import bevestigen" not in page.text
    confirm(client, batch_id)
    db.session.expire_all()
    assert [
        (c.member_number, c.updated_at, c.legal_name) for c in db.session.scalars(select(Company))
    ] == before
    assert audit_count("company.updated_by_import") == 0


def test_empty_cells_keep_existing_values(client, staff, make_company):
    make_company(member_number="L000009", kvk_number="12121212", legal_name="Oud B.V.", trade_name="Mooie Naam",
                 email="info@oud.example", city="Delft", postcode="2611 AA")  # fmt: skip
    _batch_id, page = preview_of(client, csv_file("L000009;12121212;Oud B.V.;;;;;;;;;actief;;\n"))
    assert counts_of(page.text) == ("0", "0", "1", "0")


def test_rows_with_errors_block_the_whole_import(client, staff):
    bad = [
        "L000010;1234567;Foute KvK B.V.;;;;;;;;;actief;;\n",
        "L000011;22223333;Foute Postcode B.V.;;;;;12345 AB;;;;actief;;\n",
        "L000012;22224444;Foute Status B.V.;;;;;;;;;slapend;;\n",
        "L000013;22225555;Dubbel B.V.;;;;;;;;;actief;;\n",
        "L000013;22226666;Dubbel B.V.;;;;;;;;;actief;;\n",
        "L000014;22227777;Vakgebied B.V.;;;;;;;;Astrologie;actief;;\n",
        'L000015;22228888;=HYPERLINK("http://x.example");;;;;;;;;actief;;\n',
    ]
    batch_id, page = preview_of(client, csv_file(ROWS[0], *bad))
    assert counts_of(page.text) == ("1", "0", "0", "7")
    for message in (
        "KvK-nummer &#39;1234567&#39; is ongeldig",
        "Postcode &#39;12345 AB&#39; is ongeldig: gebruik de vorm 1234 AB.",
        "Onbekende status &#39;slapend&#39;: gebruik actief, geschorst of beëindigd.",
        "Lidnummer L000013 staat meer dan eens in het bestand (rijen 6, 7).",
        "Onbekend vakgebied &#39;Astrologie&#39;.",
        "Rij 9 bevat een formule in kolom &#39;statutaire naam&#39;; formules worden niet verwerkt.",
        "Er is niets geïmporteerd",
    ):
        assert message in page.text
    assert "Import bevestigen" not in page.text
    response = confirm(client, batch_id)
    assert response.status_code == 303
    assert (
        "Het bestand bevat fouten; herstel ze en upload het opnieuw."
        in client.get("/beheer/leden").text
    )
    assert db.session.scalar(select(func.count()).select_from(Company)) == 0
    assert db.session.get(ImportBatch, batch_id).status is ImportStatus.PENDING


def test_failure_halfway_rolls_back_everything(client, staff, monkeypatch):
    batch_id, _ = preview_of(client, csv_file(*ROWS))
    calls = []
    real_record = importer.audit.record

    def failing_record(action, **kwargs):
        calls.append(action)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_record(action, **kwargs)

    monkeypatch.setattr(importer.audit, "record", failing_record)
    batch = db.session.get(ImportBatch, batch_id)
    with pytest.raises(RuntimeError):
        importer.apply_batch(batch, by=staff)
    db.session.rollback()
    monkeypatch.undo()
    assert calls == ["company.created_by_import", "company.created_by_import"]
    assert db.session.scalar(select(func.count()).select_from(Company)) == 0
    assert db.session.get(ImportBatch, batch_id).status is ImportStatus.PENDING
    assert confirm(client, batch_id).status_code == 303  # the batch can still be applied
    assert db.session.scalar(select(func.count()).select_from(Company)) == 2


def test_ended_membership_gets_end_date_and_leaves_the_directory(client, staff, make_company):
    entries = pytest.importorskip("portal.directory.entries")
    from portal.directory.models import DirectoryEntry

    listed = make_company(
        member_number="L000020", kvk_number="30303030", legal_name="Stopt B.V.", trade_name=""
    )
    entries.refresh_entry(listed.id)
    db.session.commit()
    assert db.session.get(DirectoryEntry, listed.id) is not None
    batch_id, page = preview_of(
        client, csv_file("L000020;30303030;Stopt B.V.;;;;;;;;;beëindigd;;\n")
    )
    assert "actief" in page.text and "beëindigd" in page.text
    confirm(client, batch_id)
    ended = company("L000020")
    assert ended.membership_status is MembershipStatus.ENDED
    assert ended.membership_ended_on == importer.today()
    assert db.session.get(DirectoryEntry, listed.id) is None
    # Re-activation without an end date in the file clears it again.
    batch_id, _ = preview_of(client, csv_file("L000020;30303030;Stopt B.V.;;;;;;;;;actief;;\n"))
    confirm(client, batch_id)
    again = company("L000020")
    assert (again.membership_status, again.membership_ended_on) == (MembershipStatus.ACTIVE, None)


def test_given_end_date_is_used(client, staff, make_company):
    make_company(member_number="L000021", kvk_number="31313131", legal_name="Stopte B.V.")
    batch_id, _ = preview_of(
        client, csv_file("L000021;31313131;Stopte B.V.;;;;;;;;;Beëindigd;;31-12-2024\n")
    )
    confirm(client, batch_id)
    assert company("L000021").membership_ended_on == date(2024, 12, 31)


def test_xlsx_with_english_headers_is_imported(client, staff):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        ["Member number", "KvK number", "Legal name", "City", "Status", "Member since", "Notes"]
    )
    sheet.append(
        ["L000030", 12345678, "Excel Installaties B.V.", "Gouda", "active", date(2015, 6, 1), "x"]
    )
    out = io.BytesIO()
    workbook.save(out)
    batch_id, page = preview_of(client, out.getvalue(), "register.xlsx")
    assert counts_of(page.text) == ("1", "0", "0", "0")
    assert "Genegeerde kolommen: Notes" in page.text
    confirm(client, batch_id)
    imported = company("L000030")
    assert (imported.kvk_number, imported.city, imported.member_since) == (
        "12345678",
        "Gouda",
        date(2015, 6, 1),
    )


def test_other_staff_cannot_see_or_confirm_a_batch(client, staff, make_user, login, app):
    batch_id, _ = preview_of(client, csv_file(*ROWS))
    other = app.test_client()
    login(other, make_user(role=Role.STAFF))
    assert other.get(f"/beheer/leden/import/{batch_id}").status_code == 404
    assert other.post(f"/beheer/leden/import/{batch_id}/bevestigen").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Company)) == 0


def test_expired_preview_cannot_be_confirmed(client, staff):
    batch_id, _ = preview_of(client, csv_file(*ROWS))
    batch = db.session.get(ImportBatch, batch_id)
    batch.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    page = client.get(f"/beheer/leden/import/{batch_id}")
    assert page.status_code == 303 and page.headers["Location"].endswith("/beheer/leden/import/")
    confirm(client, batch_id)
    assert (
        "De voorvertoning is verlopen. Upload het bestand opnieuw."
        in client.get("/beheer/leden").text
    )
    assert db.session.scalar(select(func.count()).select_from(Company)) == 0


def test_expired_batches_are_purged_on_the_next_upload(client, staff):
    batch_id, _ = preview_of(client, csv_file(*ROWS))
    db.session.get(ImportBatch, batch_id).expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    preview_of(client, csv_file(*ROWS))
    db.session.expire_all()
    assert db.session.get(ImportBatch, batch_id) is None


# --------------------------------------------------------------------------- bad files


def _zip_bomb() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["lidnummer"])
    out = io.BytesIO()
    workbook.save(out)
    bomb = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(out.getvalue())) as src,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        dst.writestr("xl/media/bomb.bin", b"\0" * (30 * 1024 * 1024))
    return bomb.getvalue()


def _xxe_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["lidnummer"])
    out = io.BytesIO()
    workbook.save(out)
    evil = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>&x;</t></is></c></row></sheetData></worksheet>')  # fmt: skip
    result = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as src, zipfile.ZipFile(result, "w") as dst:
        for info in src.infolist():
            data = evil if info.filename == "xl/worksheets/sheet1.xml" else src.read(info.filename)
            dst.writestr(info.filename, data)
    return result.getvalue()


BAD_FILES = [
    ("pdf", b"%PDF-1.7", "leden.pdf", "Kies een CSV-bestand of een Excel-bestand (.xlsx)."),
    ("elf as xlsx", b"\x7fELF\x02\x01\x01\x00", "leden.xlsx", "Dit is geen geldig Excel-bestand (.xlsx). Sla het opnieuw op als .xlsx of CSV."),
    ("empty", b"", "leden.csv", "Het bestand is leeg."),
    ("wrong columns", b"naam;email\nJan;jan@example.nl\n", "leden.csv",
     "Dit is geen ledenregister: de kolom(men) Lidnummer, KvK-nummer, Status ontbreken."),
    ("200,000 rows", (HEADER + "L1;1;A;;;;;;;;;x;;\n" * 200_000).encode(), "leden.csv",
     "Het bestand heeft meer dan 50.000 rijen. Splits het bestand en probeer het opnieuw."),
    ("broken encoding", HEADER.encode() + b"L1;12345678;J\x81n;;;;;;;;;actief;;\n", "leden.csv",
     "De tekenset van het bestand wordt niet herkend."),
    ("zip bomb", _zip_bomb(), "leden.xlsx", "Het Excel-bestand wordt na uitpakken verdacht groot en wordt niet verwerkt."),
    ("xxe", _xxe_xlsx(), "leden.xlsx", "Het Excel-bestand bevat niet-toegestane XML-onderdelen en wordt niet verwerkt."),
    ("header only", HEADER.encode(), "leden.csv", "Het bestand bevat alleen een kopregel en geen gegevens."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "content", "name", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES]
)
def test_bad_files_get_a_clear_dutch_message(client, staff, label, content, name, message):
    response = upload(client, content, name)
    assert response.status_code == 422
    assert message.replace("'", "&#39;") in response.text
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0
    assert db.session.scalar(select(func.count()).select_from(Company)) == 0


def test_missing_file_is_a_form_error(client, staff):
    response = client.post("/beheer/leden/import/", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Kies een bestand." in response.text


def test_file_over_five_mib_is_refused(client, staff):
    content = (HEADER + "x" * (5 * 1024 * 1024)).encode()
    response = upload(client, content)
    assert response.status_code == 422
    assert "Het bestand is te groot: hoogstens 5 MB." in response.text


def test_specialisms_of_an_existing_company_are_replaced(client, staff, make_company):
    existing = make_company(member_number="L000040", kvk_number="40404040", legal_name="Vak B.V.")
    existing.specialisms = list(
        db.session.scalars(select(Specialism).where(Specialism.slug == "sanitair"))
    )
    db.session.commit()
    batch_id, page = preview_of(
        client, csv_file("L000040;40404040;Vak B.V.;;;;;;;;Sanitair|Verwarming;actief;;\n")
    )
    assert "Vakgebieden:" in page.text and "Sanitair, Verwarming" in page.text
    assert confirm(client, batch_id).status_code == 303
    assert [s.slug for s in company("L000040").specialisms] == ["sanitair", "verwarming"]
    batch_id, _ = preview_of(
        client, csv_file("L000040;40404040;Vak B.V.;;;;;;;;Elektrotechniek;actief;;\n")
    )
    confirm(client, batch_id)
    assert [s.slug for s in company("L000040").specialisms] == ["elektrotechniek"]
