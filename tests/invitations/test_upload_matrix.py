"""The customer-list upload matrix: 40 crafted files, each imported as expected or refused whole."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.core import uploads
from portal.extensions import db
from portal.invitations import services
from portal.invitations.models import Invitation, InviteStatus, InviteUpload
from tests.core.test_uploads import (
    ELF,
    _billion_laughs,
    _bomb_entry,
    _xxe,
    plain_zip,
    rewrite_zip,
    xlsx,
)
from tests.invitations.files import HEADER, customer_csv

GOOD_XLSX = xlsx(
    [["E-mail", "Voornaam", "Achternaam", "Referentie"], ["a@klant.example", "Anna", "Bos", "F-1"]]
)


def _csv(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


# (label, data, filename, expected valid rows, expected problem rows)
ACCEPTED = [
    ("dutch headers semicolon", customer_csv(3), "k.csv", 3, 0),
    ("english headers comma", _csv("email,first name,last name,reference\na@klant.example,Anna,Bos,F1\n"), "k.csv", 1, 0),
    ("utf-8 BOM", b"\xef\xbb\xbf" + customer_csv(2), "k.csv", 2, 0),
    ("cp1252 accents", _csv("e-mail;voornaam;achternaam\nh@klant.example;Hénk;Çelik\n", "cp1252"), "k.csv", 1, 0),
    ("CRLF and blank lines", _csv("Email;Naam\r\n\r\na@klant.example;Bos\r\n;\r\nb@klant.example;Dijk\r\n"), "k.csv", 2, 0),
    ("only e-mail column", _csv("E-mail adres\na@klant.example\nb@klant.example\n"), "k.csv", 2, 0),
    ("tussenvoegsel column", _csv("email;voornaam;tussenvoegsel;achternaam\na@klant.example;Jan;van;Dijk\n"), "k.csv", 1, 0),
    ("xlsx", GOOD_XLSX, "klanten.xlsx", 1, 0),
    ("xlsx without extension", GOOD_XLSX, "klanten", 1, 0),
    ("invalid addresses", _csv("email\ngeen-adres\nx@\na@klant.example\n"), "k.csv", 1, 2),
    ("empty e-mail cell", _csv("email;naam\n;Bos\na@klant.example;Dijk\n"), "k.csv", 1, 1),
    ("duplicate in other case", _csv("email\na@klant.example\nA@Klant.Example\n"), "k.csv", 1, 1),
    ("formula =HYPERLINK", _csv('email;naam\na@klant.example;=HYPERLINK("http://x.invalid","klik")\nb@klant.example;Bos\n'), "k.csv", 1, 1),
    ("formula +cmd and @SUM", _csv("email;naam\na@klant.example;+cmd|' /C calc'!A0\nb@klant.example;@SUM(1+1)\n"), "k.csv", 0, 2),
    ("control characters in name", _csv("email;naam\na@klant.example;Bos\u202e\n"), "k.csv", 0, 1),
    ("name over 100 characters", _csv("email;naam\na@klant.example;" + "x" * 101 + "\n"), "k.csv", 0, 1),
    ("cap of 5,000", customer_csv(5001), "k.csv", 5000, 1),
    ("extra filled cells", _csv("email;naam\na@klant.example;Bos;extra\nb@klant.example;Dijk\n"), "k.csv", 1, 1),
]  # fmt: skip

REFUSED = [
    ("no e-mail column", _csv("naam;plaats\nBos;Utrecht\n"), "k.csv", "Geen kolom met e-mailadressen gevonden."),
    ("empty file", b"", "k.csv", "Het bestand is leeg."),
    ("header only", _csv(HEADER), "k.csv", "Het bestand bevat alleen een kopregel en geen gegevens."),
    ("5 MiB + 1 byte", customer_csv(1) + b"x" * (5 * 1024 * 1024), "k.csv", "Het bestand is te groot: hoogstens 5 MB."),
    ("50,001 rows", customer_csv(50_001, domain="k.nl"), "k.csv", "Het bestand heeft meer dan 50.000 rijen."),
    ("NUL bytes", b"email\na@klant.example\x00\n", "k.csv", "Het bestand bevat ongeldige tekens (NUL)"),
    ("UTF-16", "email\na@klant.example\n".encode("utf-16"), "k.csv", "Het bestand is opgeslagen als UTF-16."),
    ("broken encoding", b"email;naam\na@klant.example;\x81\x8d\x8f\x90\x9d\n", "k.csv", "De tekenset van het bestand wordt niet herkend."),
    ("broken quoting", _csv('email;naam\na@klant.example;"Bos\n"x"y;z\n'), "k.csv", "Het CSV-bestand is ongeldig rond regel"),
    ("21 columns", _csv(";".join(["email"] + [f"k{i}" for i in range(20)]) + "\na@klant.example\n"), "k.csv", "Het bestand heeft te veel kolommen"),
    ("cell over 4096 characters", _csv("email;naam\na@klant.example;" + "x" * 5000 + "\n"), "k.csv", "Een cel in het bestand is te lang"),
    ("ELF renamed .csv", ELF, "k.csv", "Het bestand bevat ongeldige tekens (NUL)"),
    ("ELF renamed .xlsx", ELF, "k.xlsx", "Dit is geen geldig Excel-bestand (.xlsx)."),
    ("CSV renamed .xlsx", customer_csv(2), "k.xlsx", "Dit is geen geldig Excel-bestand (.xlsx)."),
    (".xls", GOOD_XLSX, "k.xls", "Oude Excel-bestanden (.xls) worden niet ondersteund."),
    (".xlsm", GOOD_XLSX, "k.xlsm", "Excel-bestanden met macro's worden niet geaccepteerd."),
    (".pdf", b"%PDF-1.7\n", "k.pdf", "Dit bestandstype wordt niet ondersteund."),
    ("zip bomb", rewrite_zip(GOOD_XLSX, {}, {"xl/media/bomb.bin": _bomb_entry()}), "k.xlsx", "verdacht groot"),
    ("billion laughs", rewrite_zip(GOOD_XLSX, {"xl/workbook.xml": _billion_laughs()}), "k.xlsx", "niet-toegestane XML-onderdelen"),
    ("XXE", rewrite_zip(GOOD_XLSX, {"xl/worksheets/sheet1.xml": _xxe()}), "k.xlsx", "niet-toegestane XML-onderdelen"),
    ("zip-slip", rewrite_zip(GOOD_XLSX, {}, {"../../evil.sh": b"x"}), "k.xlsx", "ongeldige bestandsnamen"),
    ("vbaProject.bin", rewrite_zip(GOOD_XLSX, {}, {"xl/vbaProject.bin": b"m"}), "k.xlsx", "met macro's"),
    ("5,000 zip entries", rewrite_zip(GOOD_XLSX, {}, {f"xl/media/i{i}.png": b"x" for i in range(5000)}), "k.xlsx", "te veel onderdelen"),
    ("zip that is no workbook", plain_zip({"word/document.xml": b"<w/>"}), "k.xlsx", "Dit is geen geldig Excel-bestand"),
]  # fmt: skip


def _counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(InviteUpload)),
        db.session.scalar(select(func.count()).select_from(Invitation)),
    )


def test_matrix_has_at_least_thirty_files():
    assert len(ACCEPTED) + len(REFUSED) >= 30


@pytest.mark.parametrize(
    ("label", "data", "name", "valid", "problems"), ACCEPTED, ids=[c[0] for c in ACCEPTED]
)
def test_accepted_files_import_valid_rows_and_report_the_rest(
    ready_member, label, data, name, valid, problems
):
    user = ready_member()
    upload = services.create_upload(user.company, by=user, data=data, filename=name, delay_days=0)
    db.session.commit()
    rows = upload.invitations
    assert len(rows) == valid
    assert len(upload.row_problems) == problems
    assert all(r.status is InviteStatus.PREVIEW for r in rows)
    assert all("@" not in p["message"] for p in upload.row_problems)


def test_dutch_names_and_infix_survive(ready_member):
    user = ready_member()
    data = _csv(
        "e-mail;voornaam;tussenvoegsel;achternaam;factuurnummer\nh@klant.example;Hénk;van der;Çelik;F-9\n",
        "cp1252",
    )
    upload = services.create_upload(
        user.company, by=user, data=data, filename="k.csv", delay_days=0
    )
    row = upload.invitations[0]
    assert (row.email, row.first_name, row.last_name, row.reference, row.line_number) == (
        "h@klant.example",
        "Hénk",
        "van der Çelik",
        "F-9",
        2,
    )


@pytest.mark.parametrize(("label", "data", "name", "message"), REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_files_import_nothing_and_explain_in_dutch(
    ready_member, monkeypatch, label, data, name, message
):
    user = ready_member()
    children = []
    run_child = uploads._run_child

    def recording_child(*args, **kwargs):
        children.append(run_child(*args, **kwargs))
        return children[-1]

    monkeypatch.setattr(uploads, "_run_child", recording_child)
    with pytest.raises(services.InvitationError) as info:
        services.create_upload(user.company, by=user, data=data, filename=name, delay_days=0)
    db.session.rollback()
    assert message in info.value.message
    assert _counts() == (0, 0)
    # Refused by a check of its own, never by the parser's CPU limit, wall-clock backstop or a
    # crash (behaviour, not seconds: a loaded machine makes any file slow).
    assert not [c for c in children if c[0] == "error" and c[1] in ("timeout", "crashed")]


def test_hundred_megabyte_request_is_refused_before_parsing(client, login, ready_member):
    user = ready_member()
    login(client, user)
    big = b"x" * (100 * 1024 * 1024)
    response = client.post(
        "/mijn-profiel/uitnodigen/uploaden",
        data={"file": (__import__("io").BytesIO(big), "k.csv"), "informed": "y", "delay": "0"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "Bestand te groot" in response.text
    assert _counts() == (0, 0)
