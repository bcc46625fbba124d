"""Standard complaint letters: Dutch defaults, per-company wording, safe filling, PDF.

Companies edit the letter text, so it is never treated as a template language: placeholders
are `{name}` from a fixed list, replaced by a regular expression from a plain mapping of
strings. No attribute access, no format specs, no Jinja: anything else stays literal text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from fpdf import FPDF, XPos, YPos
from sqlalchemy import select

from portal.complaints.models import Complaint, LetterKind, LetterTemplate
from portal.core.pdf_fonts import add_font
from portal.core.templating import nl_date
from portal.extensions import db
from portal.members.models import Company

if TYPE_CHECKING:
    from portal.auth.models import User

PLACEHOLDER_RE = re.compile(r"\{([a-z_]{1,40})\}")

# Placeholder → Dutch explanation shown next to the editor.
PLACEHOLDERS = {
    "klant_naam": _l("naam van de klager"),
    "klant_adres": _l("straat en huisnummer van de klager"),
    "klant_postcode": _l("postcode van de klager"),
    "klant_plaats": _l("woonplaats van de klager"),
    "klachtnummer": _l("nummer van de klacht, zoals K-2026-0007"),
    "datum_ontvangst": _l("datum waarop de klacht binnenkwam"),
    "datum_vandaag": _l("datum van de brief"),
    "termijn": _l("uiterste afhandeldatum"),
    "onderwerp": _l("waar de klacht over gaat"),
    "oplossing": _l("de oplossing of het voorstel"),
    "oordeel": _l("het oordeel: gegrond, twijfelachtig of ongegrond"),
    "reden": _l("de toelichting op het oordeel (bij ongegrond: de reden)"),
    "afspraken": _l("gemaakte afspraken"),
    "behandelaar": _l("naam van de behandelaar"),
    "bedrijf_naam": _l("naam van uw bedrijf"),
    "bedrijf_telefoon": _l("telefoonnummer van uw bedrijf"),
    "bedrijf_email": _l("e-mailadres van uw bedrijf"),
}

DEFAULT_SUBJECTS = {
    LetterKind.ACKNOWLEDGEMENT: "Ontvangstbevestiging van uw klacht {klachtnummer}",
    LetterKind.INTERIM: "Stand van zaken van uw klacht {klachtnummer}",
    LetterKind.FINAL: "Afhandeling van uw klacht {klachtnummer}",
    LetterKind.REJECTION: "Beoordeling van uw klacht {klachtnummer}",
}

DEFAULT_BODIES = {
    LetterKind.ACKNOWLEDGEMENT: """Beste {klant_naam},

Op {datum_ontvangst} ontvingen wij uw klacht over {onderwerp}. Het spijt ons dat u niet tevreden bent. Wij nemen uw klacht serieus en zoeken samen met u naar een goede oplossing.

Uw klacht is geregistreerd onder nummer {klachtnummer}. {behandelaar} behandelt uw klacht. U hoort uiterlijk op {termijn} van ons.

Heeft u vragen? Bel ons op {bedrijf_telefoon} of mail naar {bedrijf_email} en vermeld uw klachtnummer.

Met vriendelijke groet,

{behandelaar}
{bedrijf_naam}""",
    LetterKind.INTERIM: """Beste {klant_naam},

Op {datum_ontvangst} ontvingen wij uw klacht met nummer {klachtnummer}. Wij hadden u graag al een definitief antwoord gegeven, maar wij hebben meer tijd nodig om uw klacht zorgvuldig te behandelen. Excuses daarvoor.

U ontvangt uiterlijk op {termijn} ons antwoord. Heeft u in de tussentijd vragen, neem dan contact op met {behandelaar} via {bedrijf_telefoon} of {bedrijf_email}.

Met vriendelijke groet,

{behandelaar}
{bedrijf_naam}""",
    LetterKind.FINAL: """Beste {klant_naam},

Op {datum_ontvangst} ontvingen wij uw klacht met nummer {klachtnummer} over {onderwerp}. Nogmaals onze excuses voor het ongemak.

Wij hebben uw klacht onderzocht en vinden haar {oordeel}. {reden}

Wij bieden u de volgende oplossing:
{oplossing}

Afspraken: {afspraken}

Wij hopen dat u hiermee tevreden bent. Bent u het niet eens met deze afhandeling, dan kunt u het geschil voorleggen aan De Geschillencommissie. Over enkele weken nemen wij nog contact met u op om te horen of alles naar wens is.

Met vriendelijke groet,

{behandelaar}
{bedrijf_naam}""",
    LetterKind.REJECTION: """Beste {klant_naam},

Op {datum_ontvangst} ontvingen wij uw klacht met nummer {klachtnummer} over {onderwerp}. Dank u dat u ons hierover heeft ingelicht.

Wij hebben uw klacht zorgvuldig onderzocht. Ons oordeel is dat de klacht ongegrond is, om de volgende reden:
{reden}

Wat wij u wel kunnen aanbieden:
{oplossing}

Wilt u hierover met ons in gesprek, bel dan {behandelaar} op {bedrijf_telefoon} of mail naar {bedrijf_email} en vermeld uw klachtnummer.

Met vriendelijke groet,

{behandelaar}
{bedrijf_naam}""",
}

VERDICT_WORDS = {"justified": "gegrond", "doubtful": "twijfelachtig", "unjustified": "ongegrond"}


def unknown_placeholders(text: str) -> list[str]:
    """Placeholders in `text` that are not on the list (for the editor's validation)."""
    return sorted({name for name in PLACEHOLDER_RE.findall(text) if name not in PLACEHOLDERS})


def fill(text: str, values: dict[str, str]) -> str:
    """Replace known `{name}` placeholders with their values; everything else stays as typed."""

    def replace(match: re.Match) -> str:
        name = match.group(1)
        return str(values[name]) if name in values else match.group(0)

    return PLACEHOLDER_RE.sub(replace, text)


def letter_values(
    complaint: Complaint, *, today: date, sender: User | None = None, kind: LetterKind | None = None
) -> dict[str, str]:
    """The placeholder values of one complaint (plain strings only).

    The handler signs; without one, the sender (for previews), else the company. `termijn` is
    the date the letter promises: never a date already past (see `deadlines.promised_due`).
    """
    from portal.complaints.deadlines import promised_due

    company: Company = complaint.company
    handler = complaint.handler or sender
    due = complaint.due_on
    if complaint.is_open and kind in (LetterKind.ACKNOWLEDGEMENT, LetterKind.INTERIM):
        due = promised_due(complaint, today=today, interim=kind is LetterKind.INTERIM)
    verdict = complaint.verdict.value if complaint.verdict else ""
    return {
        "klant_naam": complaint.complainant_name,
        "klant_adres": complaint.complainant_street,
        "klant_postcode": complaint.complainant_postcode,
        "klant_plaats": complaint.complainant_city,
        "klachtnummer": complaint.reference,
        "datum_ontvangst": nl_date(complaint.received_on),
        "datum_vandaag": nl_date(today),
        "termijn": nl_date(due),
        "onderwerp": complaint.subject or "uw klacht",
        "oplossing": complaint.resolution or "-",
        "oordeel": VERDICT_WORDS.get(verdict, "nog niet beoordeeld"),
        "reden": complaint.verdict_reason or "",
        "afspraken": complaint.agreements or "-",
        "behandelaar": (handler.name if handler is not None else "") or company.display_name,
        "bedrijf_naam": company.display_name,
        "bedrijf_telefoon": company.phone,
        "bedrijf_email": company.email,
    }


def template_for(company_id: int, kind: LetterKind) -> tuple[str, str, bool]:
    """(subject, body, customised) of the company's letter, or the default wording."""
    row = db.session.scalars(
        select(LetterTemplate).where(
            LetterTemplate.company_id == company_id, LetterTemplate.kind == kind
        )
    ).first()
    if row is None:
        return DEFAULT_SUBJECTS[kind], DEFAULT_BODIES[kind], False
    return row.subject, row.body, True


def stored_template(company_id: int, kind: LetterKind) -> LetterTemplate | None:
    """The company's stored wording of `kind`, or None while the default wording is used."""
    return db.session.scalars(
        select(LetterTemplate).where(
            LetterTemplate.company_id == company_id, LetterTemplate.kind == kind
        )
    ).first()


def save_template(company_id: int, kind: LetterKind, *, subject: str, body: str) -> None:
    """Store the company's wording (flushes; an empty body restores the default)."""
    row = db.session.scalars(
        select(LetterTemplate).where(
            LetterTemplate.company_id == company_id, LetterTemplate.kind == kind
        )
    ).first()
    if not body.strip():
        if row is not None:
            db.session.delete(row)
        db.session.flush()
        return
    if row is None:
        row = LetterTemplate(company_id=company_id, kind=kind, subject=subject, body=body)
        db.session.add(row)
    row.subject, row.body = subject, body
    db.session.flush()


@dataclass(frozen=True)
class Letter:
    """A filled-in letter, ready to preview, send or print."""

    kind: LetterKind
    subject: str
    body: str


def effective_kind(complaint: Complaint, kind: LetterKind) -> LetterKind:
    """The final reply to an ongegrond complaint uses the rejection wording (and vice versa)."""
    from portal.complaints.models import Verdict

    if kind in (LetterKind.FINAL, LetterKind.REJECTION):
        unjustified = complaint.verdict is Verdict.UNJUSTIFIED
        return LetterKind.REJECTION if unjustified else LetterKind.FINAL
    return kind


def compose(
    complaint: Complaint, kind: LetterKind, *, today: date, sender: User | None = None
) -> Letter:
    """Fill the company's wording for this complaint (the rejection wording for ongegrond)."""
    kind = effective_kind(complaint, kind)
    subject, body, _custom = template_for(complaint.company_id, kind)
    values = letter_values(complaint, today=today, sender=sender, kind=kind)
    return Letter(kind, fill(subject, values)[:200], fill(body, values))


def edited(letter: Letter, *, subject: str | None, body: str | None) -> Letter:
    """The composed letter with the handler's own subject and text for this one complaint."""
    subject = (subject or "").strip() or letter.subject
    body = (body or "").strip() or letter.body
    return Letter(letter.kind, subject[:200], body)


# --- PDF ---------------------------------------------------------------------------------------

HERE = Path(__file__).resolve().parent


FONT_DIRS = (
    HERE.parent / "agreements" / "fonts",  # shipped with the portal (DejaVu, with its licence)
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian's fonts-dejavu-core, as a fallback
)


def font_dir() -> Path:
    """The first directory holding DejaVuSans.ttf (Dutch characters such as ë and €).

    :raises FileNotFoundError: no DejaVu font is available.
    """
    for folder in FONT_DIRS:
        if (folder / "DejaVuSans.ttf").exists():
            return folder
    raise FileNotFoundError("DejaVuSans.ttf not found")


def a4_pdf(title: str, *, margin_x: float = 20, margin_y: float = 18) -> FPDF:
    """An A4 document with DejaVu regular and bold (bold falls back to regular), its title set
    and a first page: the start of every complaint-register PDF (letters, report, instruction)."""
    fonts = font_dir()
    pdf = FPDF(format="A4")
    pdf.set_margins(margin_x, margin_y, margin_x)
    pdf.set_auto_page_break(auto=True, margin=margin_y)
    add_font(pdf, "DejaVu", "", fonts / "DejaVuSans.ttf")
    bold = fonts / "DejaVuSans-Bold.ttf"
    add_font(pdf, "DejaVu", "B", bold if bold.exists() else fonts / "DejaVuSans.ttf")
    pdf.set_title(title)
    pdf.set_creator("Ledenportaal")
    pdf.add_page()
    return pdf


def render_pdf(
    *, company: Company, recipient: list[str], subject: str, body: str, letter_date: date
) -> bytes:
    """A one-letter A4 PDF: letterhead, address block, date, subject, body (all plain text)."""
    pdf = a4_pdf(subject, margin_x=25, margin_y=20)
    pdf.set_font("DejaVu", "B", 14)
    _para(pdf, 7, company.display_name)
    pdf.set_font("DejaVu", "", 9)
    head = [company.address_line, f"{company.postcode} {company.city}".strip()]
    head.append(" · ".join(p for p in (company.phone, company.email) if p))
    _para(pdf, 4.5, "\n".join(p for p in head if p))
    pdf.ln(14)
    pdf.set_font("DejaVu", "", 11)
    _para(pdf, 5.5, "\n".join(line for line in recipient if line))
    pdf.ln(10)
    _para(pdf, 5.5, nl_date(letter_date))
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 11)
    _para(pdf, 5.5, subject)
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 11)
    _para(pdf, 5.5, body)
    return bytes(pdf.output())


def _para(pdf: FPDF, height: float, text: str) -> None:
    """A plain-text paragraph at the left margin (no markdown, so user text stays literal)."""
    pdf.multi_cell(0, height, text, align="L", markdown=False, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def recipient_lines(complaint: Complaint) -> list[str]:
    """The complainant's address block."""
    place = f"{complaint.complainant_postcode}  {complaint.complainant_city}".strip()
    return [complaint.complainant_name, complaint.complainant_street, place]
