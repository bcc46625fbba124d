"""Letter filling: known placeholders only, hostile text inert, Dutch PDF."""

from __future__ import annotations

from datetime import date

import pytest

from portal.complaints import letters
from portal.complaints.models import LetterKind

VALUES = {"klant_naam": "Ëlla de Vries", "klachtnummer": "K-2026-0003"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Beste {klant_naam},", "Beste Ëlla de Vries,"),
        ("{klachtnummer}/{klachtnummer}", "K-2026-0003/K-2026-0003"),
        ("{onbekend} blijft", "{onbekend} blijft"),
        ("{klant_naam.__class__.__mro__}", "{klant_naam.__class__.__mro__}"),
        ("{klant_naam!r} {klant_naam:>40}", "{klant_naam!r} {klant_naam:>40}"),
        ("{0} {} %s %(klant_naam)s", "{0} {} %s %(klant_naam)s"),
        ("{{7*7}} {% raw %}", "{{7*7}} {% raw %}"),
        ("{{klant_naam}}", "{Ëlla de Vries}"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ("${klant_naam} $klant_naam", "$Ëlla de Vries $klant_naam"),
    ],
)
def test_fill_replaces_only_known_placeholders(text, expected):
    assert letters.fill(text, VALUES) == expected


def test_values_are_not_filled_again():
    """A complainant called '{klachtnummer}' does not pull in other values."""
    assert (
        letters.fill("{klant_naam}", {"klant_naam": "{klachtnummer}", "klachtnummer": "X"})
        == "{klachtnummer}"
    )


def test_unknown_placeholders_are_reported():
    assert letters.unknown_placeholders("{klant_naam} {foo} {bar_baz} {Foo} {x.y}") == [
        "bar_baz",
        "foo",
    ]


@pytest.mark.parametrize("kind", list(LetterKind))
def test_defaults_use_only_known_placeholders(kind):
    assert letters.unknown_placeholders(letters.DEFAULT_BODIES[kind]) == []
    assert letters.unknown_placeholders(letters.DEFAULT_SUBJECTS[kind]) == []


def test_compose_with_complaint(member, make_complaint):
    complaint = make_complaint(member.company, received_on=date(2026, 3, 2))
    letter = letters.compose(complaint, LetterKind.ACKNOWLEDGEMENT, today=date(2026, 3, 3))
    assert letter.subject == "Ontvangstbevestiging van uw klacht K-2026-0001"
    assert letter.body.startswith(
        "Beste Karin Klager,\n\nOp 2 maart 2026 ontvingen wij uw klacht over Cv-ketel."
    )
    assert "U hoort uiterlijk op 16 maart 2026 van ons." in letter.body
    assert "{" not in letter.body


def test_custom_template_is_used(member, make_complaint):
    complaint = make_complaint(member.company)
    letters.save_template(
        member.company_id,
        LetterKind.FINAL,
        subject="Klacht {klachtnummer}",
        body="Hoi {klant_naam}",
    )
    letter = letters.compose(complaint, LetterKind.FINAL, today=date(2026, 3, 3))
    assert (letter.subject, letter.body) == ("Klacht K-2026-0001", "Hoi Karin Klager")
    assert letters.template_for(member.company_id, LetterKind.INTERIM)[2] is False


def test_pdf_with_dutch_characters(member):
    data = letters.render_pdf(
        company=member.company,
        recipient=["Ëlla de Vries", "Coöperatieweg 1", "1234 AB  Zoë-dorp"],
        subject="Afhandeling van uw klacht — € 150 vergoeding",
        body="Beste Ëlla,\n\nWij betalen € 150 terug. **geen opmaak** <b>ook niet</b>\n" * 30,
        letter_date=date(2026, 3, 3),
    )
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert b"DejaVu" in data  # the embedded TrueType font
    assert b"/Type /Page" in data
