"""Register columns and row validation of the member import (no database)."""

from __future__ import annotations

import pytest

from portal.members.importer_rows import (
    ImportFileError,
    map_columns,
    mark_duplicates,
    parse_date,
    validate_row,
)

HEADER = ["lidnummer", "KvK", "statutaire naam", "handelsnaam", "straat", "huisnummer", "toevoeging",
          "postcode", "plaats", "e-mail", "vakgebieden", "status", "lid sinds", "einddatum"]  # fmt: skip
SPECIALISMS = {"verwarming": "verwarming", "sanitair": "sanitair", "data netwerk": "data-netwerk"}


def row(**overrides) -> list[str]:
    values = dict(zip(HEADER, ["L000123", "12345678", "Jansen Installaties B.V.", "Jansen", "Kerkstraat",
                                "12", "a", "3511ab", "Utrecht", "INFO@jansen.example", "Verwarming; Sanitair",
                                "actief", "01-02-2003", ""], strict=True))  # fmt: skip
    values.update(overrides)
    return [values[h] for h in HEADER]


@pytest.fixture
def columns(app):
    return map_columns(HEADER)[0]


def test_valid_row_is_normalised(columns):
    data, errors = validate_row(row(), columns, SPECIALISMS)
    assert errors == []
    assert data == {
        "member_number": "L000123", "kvk_number": "12345678", "legal_name": "Jansen Installaties B.V.",
        "trade_name": "Jansen", "street": "Kerkstraat", "house_number": "12", "house_number_addition": "a",
        "postcode": "3511 AB", "city": "Utrecht", "email": "info@jansen.example",
        "specialisms": ["sanitair", "verwarming"], "membership_status": "active", "member_since": "2003-02-01",
    }  # fmt: skip


def test_empty_optional_cells_are_left_out(columns):
    data, errors = validate_row(
        row(handelsnaam="", straat="", vakgebieden="", **{"lid sinds": ""}), columns, SPECIALISMS
    )
    assert errors == []
    assert "trade_name" not in data and "street" not in data and "specialisms" not in data
    assert "member_since" not in data


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"KvK": "1234567"}, "KvK-nummer '1234567' is ongeldig: vul 8 cijfers in (Excel laat voorloopnullen soms weg)."),
        ({"KvK": "ABCDEFGH"}, "KvK-nummer 'ABCDEFGH' is ongeldig: vul 8 cijfers in (Excel laat voorloopnullen soms weg)."),
        ({"postcode": "35111 AB"}, "Postcode '35111 AB' is ongeldig: gebruik de vorm 1234 AB."),
        ({"status": "slapend"}, "Onbekende status 'slapend': gebruik actief, geschorst of beëindigd."),
        ({"status": ""}, "Status ontbreekt: gebruik actief, geschorst of beëindigd."),
        ({"vakgebieden": "Verwarming|Astrologie"}, "Onbekend vakgebied 'Astrologie'. Gebruik de namen uit de vakgebiedenlijst van het portaal."),
        ({"lidnummer": ""}, "Lidnummer ontbreekt."),
        ({"lidnummer": "L 12/3"}, "Lidnummer 'L12/3' is ongeldig: gebruik letters, cijfers en -, hoogstens 20 tekens."),
        ({"statutaire naam": ""}, "Statutaire naam ontbreekt."),
        ({"statutaire naam": "Evil\u202eCorp"}, "Statutaire naam bevat tekens die niet zijn toegestaan."),
        ({"huisnummer": "12345678901"}, "Huisnummer is te lang: hoogstens 10 tekens."),
        ({"e-mail": "geen-adres"}, "E-mailadres 'geen-adres' is ongeldig."),
        ({"lid sinds": "31-02-2020"}, "Lid sinds '31-02-2020' is geen geldige datum: gebruik bijvoorbeeld 31-12-2024."),
        ({"einddatum": "2001-01-01"}, "De einddatum ligt vóór de datum lid sinds."),
    ],
)  # fmt: skip
def test_row_errors_are_clear_dutch(columns, overrides, message):
    _data, errors = validate_row(row(**overrides), columns, SPECIALISMS)
    assert errors == [message]


@pytest.mark.parametrize(
    ("text", "status"),
    [("Actief", "active"), ("GESCHORST", "suspended"), ("Beëindigd", "ended"), ("beeindigd", "ended"),
     ("opgezegd", "ended"), ("active", "active"), ("Suspended", "suspended")],
)  # fmt: skip
def test_status_words(columns, text, status):
    data, errors = validate_row(row(status=text), columns, SPECIALISMS)
    assert (errors, data["membership_status"]) == ([], status)


def test_specialisms_match_names_and_slugs_with_both_separators(columns):
    data, _ = validate_row(
        row(vakgebieden="data & netwerk | SANITAIR;verwarming"), columns, SPECIALISMS
    )
    assert data["specialisms"] == ["data-netwerk", "sanitair", "verwarming"]


def test_english_and_mixed_case_headers_map_and_unknown_are_ignored(app):
    header = ["Member Number", "COC number", "Legal Name", "Status", "City", "Notes", "ZIP"]
    columns, ignored = map_columns(header)
    assert columns == {
        "member_number": 0,
        "kvk_number": 1,
        "legal_name": 2,
        "status": 3,
        "city": 4,
        "postcode": 6,
    }
    assert ignored == ["Notes"]


def test_missing_required_columns_are_named(app):
    with pytest.raises(ImportFileError) as info:
        map_columns(["naam", "email", "plaats"])
    assert str(info.value) == (
        "Dit is geen ledenregister: de kolom(men) Lidnummer, KvK-nummer, Status ontbreken. "
        "Verwacht worden onder meer lidnummer, KvK, statutaire naam en status."
    )


def test_duplicate_column_is_refused(app):
    with pytest.raises(ImportFileError) as info:
        map_columns(["lidnummer", "kvk", "naam", "status", "Statutaire naam"])
    assert str(info.value) == "De kolom 'Statutaire naam' komt twee keer voor."


def test_duplicate_member_numbers_mark_every_occurrence():
    rows = [
        {"line": 2, "data": {"member_number": "L1"}, "errors": []},
        {"line": 3, "data": {"member_number": "L2"}, "errors": []},
        {"line": 7, "data": {"member_number": "L1"}, "errors": []},
    ]
    mark_duplicates(rows)
    message = "Lidnummer L1 staat meer dan eens in het bestand (rijen 2, 7)."
    assert [r["errors"] for r in rows] == [[message], [], [message]]


@pytest.mark.parametrize(
    ("text", "iso"),
    [("2024-12-31", "2024-12-31"), ("31-12-2024", "2024-12-31"), ("1/2/2003", "2003-02-01"),
     ("31.12.2024", "2024-12-31"), ("2024-12-31 00:00:00", "2024-12-31"), ("12-31-2024", None),
     ("31-12-24", None), ("1850-01-01", None), ("gisteren", None)],
)  # fmt: skip
def test_parse_date(text, iso):
    parsed = parse_date(text)
    assert (parsed.isoformat() if parsed else None) == iso


RECOGNITIONS = {"f gassen gecertificeerd": "f-gassen", "f gassen": "f-gassen", "vca": "vca",
                "brl 6000": "brl-6000", "brl-6000": "brl-6000"}  # fmt: skip
EXTRA = [*HEADER, "vestigingsnummer", "erkenningen"]


def extra_row(vestiging: str = "", erkenningen: str = "") -> list[str]:
    return [*row(), vestiging, erkenningen]


@pytest.fixture
def extra_columns(app):
    return map_columns(EXTRA)[0]


def test_recognitions_and_establishment_number_are_read(extra_columns):
    data, errors = validate_row(
        extra_row("0000 1234 5678", "VCA, f-gassen gecertificeerd; BRL 6000"),
        extra_columns, SPECIALISMS, RECOGNITIONS,
    )  # fmt: skip
    assert errors == []
    assert data["establishment_number"] == "000012345678"
    assert data["recognitions"] == ["brl-6000", "f-gassen", "vca"]


def test_empty_recognition_and_establishment_cells_change_nothing(extra_columns):
    data, errors = validate_row(extra_row(), extra_columns, SPECIALISMS, RECOGNITIONS)
    assert errors == [] and "recognitions" not in data and "establishment_number" not in data


@pytest.mark.parametrize(
    ("vestiging", "erkenningen", "message"),
    [
        ("12345678901", "", "Vestigingsnummer '12345678901' is ongeldig: vul 12 cijfers in (Excel laat voorloopnullen soms weg)."),
        ("12345678901A", "", "Vestigingsnummer '12345678901A' is ongeldig: vul 12 cijfers in (Excel laat voorloopnullen soms weg)."),
        ("", "VCA, Keurmerk Gezellig", "Onbekende erkenning 'Keurmerk Gezellig'. Gebruik de namen uit de erkenningenlijst van het portaal, gescheiden door ; of ,."),
    ],
)  # fmt: skip
def test_recognition_and_establishment_errors_are_dutch(
    extra_columns, vestiging, erkenningen, message
):
    _data, errors = validate_row(
        extra_row(vestiging, erkenningen), extra_columns, SPECIALISMS, RECOGNITIONS
    )
    assert errors == [message]


def test_recognition_and_establishment_headers_in_english(app):
    found, ignored = map_columns(
        ["Member number", "CoC", "Name", "Status", "Branch number", "Certifications"]
    )
    assert found["establishment_number"] == 4 and found["recognitions"] == 5 and ignored == []
