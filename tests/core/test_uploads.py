"""The upload matrix: crafted CSV and XLSX files against the strict parser (SECURITY.md §4.6)."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import openpyxl
import pytest

from portal.core import upload_parsers
from portal.core.upload_parsers import ParseFailure
from portal.core.uploads import MAX_BYTES, UploadError, neutralise_formula, parse_upload

HEADER = "naam;email\n"
# Parse times are measured by bench/uploads.py, never asserted here (no timed tests).
ELF = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00" + b"\x00" * 64


def xlsx(rows, *, title="Blad1") -> bytes:
    """A real workbook written by openpyxl."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def rewrite_zip(data: bytes, replace: dict[str, bytes], extra: dict[str, bytes] | None = None):
    """Copy a zip, replacing some entries and adding others."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, content in (extra or {}).items():
            dst.writestr(name, content)
    return out.getvalue()


def plain_zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


def csv_rows(n: int, header: str = HEADER) -> bytes:
    return (header + "".join(f"Klant {i};klant{i}@example.nl\n" for i in range(n))).encode()


def refused(data: bytes, name: str, **kwargs) -> UploadError:
    with pytest.raises(UploadError) as info:
        parse_upload(data, name, **kwargs)
    return info.value


# --------------------------------------------------------------------------- accepted files


def test_utf8_semicolon_csv_is_parsed():
    table = parse_upload(b"naam;email\nJansen;jansen@example.nl\n", "klanten.csv")
    assert (table.kind, table.encoding, table.delimiter) == ("csv", "utf-8", ";")
    assert table.header == ["naam", "email"]
    assert table.rows == [["Jansen", "jansen@example.nl"]]
    assert table.line_numbers == [2]
    assert table.row_errors == {}


def test_comma_csv_with_quotes_is_parsed():
    table = parse_upload(b'naam,adres\n"Bakker, J.","Kerkstraat 1"\n', "k.csv")
    assert table.delimiter == ","
    assert table.rows == [["Bakker, J.", "Kerkstraat 1"]]


def test_utf8_bom_is_removed_from_first_header():
    table = parse_upload("\ufeffnaam;email\nMüller;m@example.nl\n".encode(), "k.csv")
    assert table.encoding == "utf-8-sig"
    assert table.header == ["naam", "email"]
    assert table.rows[0][0] == "Müller"


def test_cp1252_falls_back_and_decodes_euro_and_accents():
    table = parse_upload("naam;bedrag\nHénk Çelik;€ 12\n".encode("cp1252"), "k.csv")
    assert table.encoding == "cp1252"
    assert table.rows == [["Hénk Çelik", "€ 12"]]


def test_crlf_blank_lines_and_nfc_normalisation():
    data = "naam;plaats\r\n\r\n  Jansen  ;Den Haag\r\n;\r\nDe Vrie\u0301s;Zwolle\r\n".encode()
    table = parse_upload(data, "k.csv")
    assert table.rows == [["Jansen", "Den Haag"], ["De Vriés", "Zwolle"]]
    assert table.line_numbers == [3, 5]


def test_short_rows_are_padded_to_header_width():
    table = parse_upload(b"a;b;c\n1\n", "k.csv")
    assert table.rows == [["1", "", ""]]


def test_exactly_50000_rows_are_accepted():
    table = parse_upload(csv_rows(50_000), "k.csv")
    assert len(table.rows) == 50_000
    assert table.rows[-1] == ["Klant 49999", "klant49999@example.nl"]


def test_xlsx_row_cap_counts_data_rows():
    """The XLSX path enforces the same cap (the full 50,001-row workbook is in bench/uploads.py)."""
    header = [["naam"]]
    assert (
        len(
            parse_upload(
                xlsx(header + [[f"k{i}"] for i in range(500)]), "l.xlsx", max_rows=500
            ).rows
        )
        == 500
    )
    error = refused(xlsx(header + [[f"k{i}"] for i in range(501)]), "l.xlsx", max_rows=500)
    assert error.code == "too_many_rows"


def test_exactly_max_bytes_is_accepted():
    data = bytearray(csv_rows(40_000))
    while len(data) < MAX_BYTES:
        room = MAX_BYTES - len(data)
        data += b"Vulling;" + b"v" * max(0, min(4000, room - 9)) + b"\n"
    assert len(data) == MAX_BYTES
    table = parse_upload(bytes(data), "k.csv")
    assert table.rows[0] == ["Klant 0", "klant0@example.nl"]
    assert len(table.rows) > 40_000


def test_xlsx_values_become_text():
    data = xlsx(
        [
            ["KvK", "Naam", "Lid sinds", "Bedrag", "Actief"],
            [12345678, "Jansen", date(2019, 3, 1), 12.5, True],
            [None, "  Bakker ", datetime(2020, 1, 2, 0, 0), 3.0, False],  # noqa: DTZ001 - Excel is naive
        ]
    )
    table = parse_upload(data, "leden.xlsx")
    assert table.kind == "xlsx"
    assert table.header == ["KvK", "Naam", "Lid sinds", "Bedrag", "Actief"]
    assert table.rows == [
        ["12345678", "Jansen", "2019-03-01", "12.5", "WAAR"],
        ["", "Bakker", "2020-01-02", "3", "ONWAAR"],
    ]
    assert table.line_numbers == [2, 3]


def test_xlsx_with_bogus_huge_dimension_is_read():
    data = xlsx([["a", "b"], ["1", "2"]])
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    sheet = sheet.replace(b'<dimension ref="A1:B2"/>', b'<dimension ref="A1:XFD1048576"/>')
    table = parse_upload(rewrite_zip(data, {"xl/worksheets/sheet1.xml": sheet}), "x.xlsx")
    assert table.rows == [["1", "2"]]


def test_file_without_name_is_sniffed_by_magic():
    assert parse_upload(xlsx([["a"], ["b"]]), "").kind == "xlsx"
    assert parse_upload(b"a\nb\n", "").kind == "csv"


# --------------------------------------------------------------------------- per-row problems


@pytest.mark.parametrize(
    ("cell", "flagged"),
    [
        ('=HYPERLINK("http://evil.example")', True),
        ("+cmd|' /C calc'!A0", True),
        ("-2+3+cmd|' /C calc'!A0", True),
        ("@SUM(1+1)*cmd|' /C calc'!A0", True),
        ("\t=1+1", True),
        ("-5", False),
        ("+31 (0)20 123 45 67", False),
        ("Jansen", False),
    ],
)
def test_formula_cells_are_flagged_per_row(cell, flagged):
    quoted = cell.replace('"', '""')
    data = f'naam;email\nOk;ok@example.nl\n"{quoted}";x@example.nl\n'.encode()
    table = parse_upload(data, "k.csv")
    assert len(table.rows) == 2
    expected = {1: "Rij 3 bevat een formule in kolom 'naam'; formules worden niet verwerkt."}
    assert table.row_errors == (expected if flagged else {})


def test_xlsx_formula_cell_is_flagged_not_evaluated():
    table = parse_upload(xlsx([["naam", "som"], ["Jansen", "=1+1"]]), "k.xlsx")
    assert table.rows == [["Jansen", "=1+1"]]
    assert table.row_errors == {
        0: "Rij 2 bevat een formule in kolom 'som'; formules worden niet verwerkt."
    }


def test_extra_filled_cells_are_a_row_error():
    table = parse_upload(b"a;b\n1;2;3\n4;5;\n", "k.csv")
    assert table.row_errors == {0: "Rij 2 heeft meer gevulde cellen dan de kopregel."}
    assert table.rows == [["1", "2"], ["4", "5"]]
    assert [e for _, _, e in table.iter_rows()] == [table.row_errors[0], None]


# --------------------------------------------------------------------------- refused files

REFUSALS = [
    ("empty", b"", "k.csv", "Het bestand is leeg."),
    ("whitespace", b"  \r\n\n ", "k.csv", "Het bestand is leeg."),
    (
        "header only",
        HEADER.encode(),
        "k.csv",
        "Het bestand bevat alleen een kopregel en geen gegevens.",
    ),
    (
        "utf-16 with BOM",
        "naam;email\nJansen;j@example.nl\n".encode("utf-16"),
        "k.csv",
        "Het bestand is opgeslagen als UTF-16. Sla het op als 'CSV UTF-8' en probeer het opnieuw.",
    ),
    (
        "utf-16-le without BOM",
        "naam;email\n".encode("utf-16-le"),
        "k.csv",
        "Het bestand bevat ongeldige tekens (NUL) en is waarschijnlijk geen tekstbestand. Kies een CSV- of Excel-bestand.",
    ),
    (
        "NUL byte",
        b"naam;email\nJan\x00;j@example.nl\n",
        "k.csv",
        "Het bestand bevat ongeldige tekens (NUL) en is waarschijnlijk geen tekstbestand. Kies een CSV- of Excel-bestand.",
    ),
    (
        "broken latin-1",
        b"naam;email\nJ\x81n\x8d;j@example.nl\n",
        "k.csv",
        "De tekenset van het bestand wordt niet herkend. Sla het op als 'CSV UTF-8' en probeer het opnieuw.",
    ),
    (
        "broken utf-8 after BOM",
        b"\xef\xbb\xbfnaam\n\xc3\x28\n",
        "k.csv",
        "De tekenset van het bestand wordt niet herkend. Sla het op als 'CSV UTF-8' en probeer het opnieuw.",
    ),
    (
        "ELF renamed .csv",
        ELF,
        "klanten.csv",
        "Het bestand bevat ongeldige tekens (NUL) en is waarschijnlijk geen tekstbestand. Kies een CSV- of Excel-bestand.",
    ),
    (
        "ELF renamed .xlsx",
        ELF,
        "klanten.xlsx",
        "Dit is geen geldig Excel-bestand (.xlsx). Sla het opnieuw op als .xlsx of CSV.",
    ),
    (
        "CSV renamed .xlsx",
        b"naam;email\nJan;j@example.nl\n",
        "klanten.xlsx",
        "Dit is geen geldig Excel-bestand (.xlsx). Sla het opnieuw op als .xlsx of CSV.",
    ),
    (
        "old .xls",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
        "klanten.xls",
        "Oude Excel-bestanden (.xls) worden niet ondersteund. Sla het bestand op als .xlsx of CSV.",
    ),
    (
        "pdf",
        b"%PDF-1.7\n",
        "klanten.pdf",
        "Dit bestandstype wordt niet ondersteund. Kies een CSV- of Excel-bestand (.xlsx).",
    ),
    (
        "xlsm by name",
        b"PK\x03\x04",
        "klanten.xlsm",
        "Excel-bestanden met macro's worden niet geaccepteerd. Sla het bestand op als .xlsx zonder macro's.",
    ),
    (
        "unterminated quote",
        b'naam;email\n"Jansen;j@example.nl\n"x"y;z\n',
        "k.csv",
        "Het CSV-bestand is ongeldig rond regel 3 (controleer de aanhalingstekens).",
    ),
    (
        "cell over 4096 characters",
        b"naam;email\n" + b"x" * 4097 + b";j@example.nl\n",
        "k.csv",
        "Een cel in het bestand is te lang: hoogstens 4.096 tekens.",
    ),
    (
        "21 columns",
        (";".join(f"k{i}" for i in range(21)) + "\n" + ";".join("x" * 21) + "\n").encode(),
        "k.csv",
        "Het bestand heeft te veel kolommen: hoogstens 20.",
    ),
    (
        "50,001 rows",
        csv_rows(50_001),
        "k.csv",
        "Het bestand heeft meer dan 50.000 rijen. Splits het bestand en probeer het opnieuw.",
    ),
    (
        "200,000 rows",
        ("a\n" + "x\n" * 200_000).encode(),
        "k.csv",
        "Het bestand heeft meer dan 50.000 rijen. Splits het bestand en probeer het opnieuw.",
    ),
    (
        "5 MiB + 1 byte",
        b"a\n" + b"x" * (MAX_BYTES - 1),
        "k.csv",
        "Het bestand is te groot: hoogstens 5 MB.",
    ),
]


@pytest.mark.parametrize(
    ("label", "data", "name", "message"), REFUSALS, ids=[r[0] for r in REFUSALS]
)
def test_refused_files_get_a_clear_dutch_message(label, data, name, message):
    assert refused(data, name).message == message


def _bomb_entry() -> bytes:
    return b"\x00" * (20 * 1024 * 1024)


def _billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    return (
        f'<?xml version="1.0"?><!DOCTYPE workbook [{"".join(entities)}]>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheets><sheet name="&lol9;" sheetId="1"/></sheets></workbook>'
    ).encode()


def _xxe() -> bytes:
    return (
        b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>naam</t></is></c></row>'
        b'<row r="2"><c r="A2" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )


def _xlsx_variants():
    base = xlsx([["naam", "email"], ["Jansen", "j@example.nl"]])
    many = {f"xl/media/image{i}.png": b"x" for i in range(5000)}
    return [
        ("zip bomb", rewrite_zip(base, {}, {"xl/media/bomb.bin": _bomb_entry()}),
         "Het Excel-bestand wordt na uitpakken verdacht groot en wordt niet verwerkt."),
        ("5,000 entries", rewrite_zip(base, {}, many),
         "Het Excel-bestand bestaat uit te veel onderdelen en wordt niet verwerkt."),
        (".xlsm content named .xlsx", rewrite_zip(base, {}, {"xl/vbaProject.bin": b"macro"}),
         "Excel-bestanden met macro's worden niet geaccepteerd. Sla het bestand op als .xlsx zonder macro's."),
        ("zip-slip dot-dot", rewrite_zip(base, {}, {"../../evil.sh": b"x"}),
         "Het Excel-bestand bevat ongeldige bestandsnamen en wordt niet verwerkt."),
        ("zip-slip absolute", rewrite_zip(base, {}, {"/etc/cron.d/evil": b"x"}),
         "Het Excel-bestand bevat ongeldige bestandsnamen en wordt niet verwerkt."),
        ("zip-slip backslash", rewrite_zip(base, {}, {"xl\\..\\..\\evil": b"x"}),
         "Het Excel-bestand bevat ongeldige bestandsnamen en wordt niet verwerkt."),
        ("billion laughs", rewrite_zip(base, {"xl/workbook.xml": _billion_laughs()}),
         "Het Excel-bestand bevat niet-toegestane XML-onderdelen en wordt niet verwerkt."),
        ("XXE", rewrite_zip(base, {"xl/worksheets/sheet1.xml": _xxe()}),
         "Het Excel-bestand bevat niet-toegestane XML-onderdelen en wordt niet verwerkt."),
        ("truncated zip", base[: len(base) // 2],
         "Dit is geen geldig Excel-bestand (.xlsx). Sla het opnieuw op als .xlsx of CSV."),
        ("zip that is no workbook", plain_zip({"word/document.xml": b"<w/>"}),
         "Dit is geen geldig Excel-bestand (.xlsx). Sla het opnieuw op als .xlsx of CSV."),
        ("xlsx header only", xlsx([["naam", "email"]]),
         "Het bestand bevat alleen een kopregel en geen gegevens."),
        ("xlsx empty sheet", xlsx([]), "Het bestand is leeg."),
        ("xlsx 21 columns", xlsx([[f"k{i}" for i in range(21)], ["x"] * 21]),
         "Het bestand heeft te veel kolommen: hoogstens 20."),
    ]  # fmt: skip


XLSX_REFUSALS = _xlsx_variants()


@pytest.mark.parametrize(
    ("label", "data", "message"), XLSX_REFUSALS, ids=[r[0] for r in XLSX_REFUSALS]
)
def test_refused_xlsx_files_get_a_clear_dutch_message(label, data, message):
    assert refused(data, "leden.xlsx").message == message


def test_xxe_payload_is_really_in_the_worksheet():
    data = next(data for label, data, _ in XLSX_REFUSALS if label == "XXE")
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"file:///etc/passwd" in sheet


def test_total_uncompressed_size_is_capped(monkeypatch):
    monkeypatch.setattr(upload_parsers, "ZIP_MAX_TOTAL", 1000)
    data = plain_zip({"a.xml": bytes(range(256)) * 3, "b.xml": bytes(range(256)) * 2})
    with pytest.raises(ParseFailure) as info:
        upload_parsers.check_zip(data)
    assert info.value.code == "zip_bomb"


def test_slow_parse_hits_the_timeout():
    error = refused(csv_rows(40_000), "k.csv", timeout=0.001)
    assert error.message == (
        "Het verwerken van het bestand duurde te lang. Maak het bestand kleiner en probeer het opnieuw."
    )


def test_row_and_column_caps_are_parameters():
    assert refused(csv_rows(11), "k.csv", max_rows=10).code == "too_many_rows"
    assert refused(b"a;b;c\n1;2;3\n", "k.csv", max_columns=2).code == "too_many_columns"
    too_big = b"a\n" + b"x" * (1024 * 1024)
    assert refused(too_big, "k.csv", max_bytes=1024 * 1024).message == (
        "Het bestand is te groot: hoogstens 1 MB."
    )


def test_openpyxl_uses_defusedxml():
    assert openpyxl.DEFUSEDXML is True


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+31 20", "'+31 20"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Jansen", "Jansen"),
        ("", ""),
        (5, 5),
        (None, None),
    ],
)
def test_neutralise_formula_for_exports(value, expected):
    assert neutralise_formula(value) == expected
