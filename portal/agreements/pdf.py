"""The personalised agreement as a PDF (fpdf2, DejaVu Sans shipped in portal/agreements/fonts)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from fpdf import FPDF

from portal.agreements.clauses import parse_body
from portal.agreements.models import AgreementAcceptance, AgreementVersion
from portal.core.templating import nl_date
from portal.members.models import Company

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
RETENTION_TEXT = "90 dagen"
LABEL_WIDTH = 50


@dataclass(frozen=True)
class Parties:
    """Who the agreement is between; the signatory comes from the acceptance or the reader."""

    company: Company
    signatory: str
    signatory_function: str = ""


def processing_details(config) -> list[tuple[str, str]]:
    """The art. 28(3) processing details printed as a table at the top of the PDF."""
    return [
        ("Onderwerp", "Versturen van beoordelingsverzoeken namens het lidbedrijf"),
        ("Duur", "Zolang het lidmaatschap duurt en uploads worden gebruikt"),
        ("Aard en doel", "Ontvangen, controleren, tijdelijk opslaan en doorgeven aan het beoordelingsplatform"),
        ("Soorten gegevens", "E-mailadres, voornaam, achternaam, referentie van de opdracht"),
        ("Betrokkenen", "Klanten van het lidbedrijf"),
        ("Subverwerkers", "Beoordelingsplatform, hosting, e-maildienst, back-updienst (bijlage SUB)"),
        ("Bewaartermijn", f"{RETENTION_TEXT} na het uploaden; back-ups uiterlijk 30 dagen daarna"),
        ("Beveiliging", "Zie bijlage TOM"),
        ("Melding datalek", f"Zonder onredelijke vertraging, binnen 24 uur, via {config.get('PRIVACY_CONTACT_EMAIL', 'privacy@example.nl')}"),
    ]  # fmt: skip


class AgreementPdf(FPDF):
    """A4 portrait with DejaVu Sans, page numbers and the version in the footer."""

    def __init__(self, version: AgreementVersion):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.version = version
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(20, 18, 20)
        self.set_title(f"{version.title} {version.label}")
        self.set_creator("Ledenportaal")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(90, 100, 114)
        self.cell(
            0,
            5,
            f"Verwerkersovereenkomst versie {self.version.label} · pagina {self.page_no()}/{{nb}}",
            align="C",
        )

    def heading(self, text: str, size: float = 12) -> None:
        self.ln(2)
        self.set_font(FONT, "B", size)
        self.multi_cell(0, 6, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def paragraph(self, text: str, size: float = 10) -> None:
        self.set_font(FONT, "", size)
        self.multi_cell(0, 5, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def row(self, label: str, value: str) -> None:
        self.set_font(FONT, "B", 9.5)
        y = self.get_y()
        self.multi_cell(LABEL_WIDTH, 5, label, align="L", new_x="RIGHT", new_y="TOP")
        self.set_font(FONT, "", 9.5)
        self.multi_cell(0, 5, value, align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_y(max(self.get_y(), y + 5) + 1)


def _company_lines(company: Company) -> str:
    return "\n".join(
        part
        for part in (
            company.legal_name,
            f"KvK-nummer {company.kvk_number}",
            company.address_line,
            f"{company.postcode} {company.city}".strip(),
        )
        if part.strip()
    )


def build_pdf(
    version: AgreementVersion, parties: Parties, acceptance: AgreementAcceptance | None = None
) -> bytes:
    """Render the personalised agreement; the text of every clause comes from `version.body`."""
    config = current_app.config
    pdf = AgreementPdf(version)
    pdf.add_page()
    pdf.heading(version.title, 16)
    published = nl_date(version.published_at) if version.published_at else "concept"
    pdf.paragraph(f"Versie {version.label}, vastgesteld op {published}", 9)
    pdf.heading("Partijen")
    pdf.row("Verwerkings-\nverantwoordelijke", _company_lines(parties.company))
    signatory = parties.signatory + (
        f", {parties.signatory_function}" if parties.signatory_function else ""
    )
    pdf.row("Ondertekenaar", signatory or "—")
    association = config["ASSOCIATION_NAME"]
    pdf.row("Verwerker", f"{association}\nKvK-nummer {config.get('ASSOCIATION_KVK', '00000000')}")
    pdf.heading("Gegevens van de verwerking")
    for label, value in processing_details(config):
        pdf.row(label, value)
    for section in parse_body(version.body):
        if section.heading:
            title = f"{section.marker}. {section.heading}" if section.marker else section.heading
            pdf.heading(title, 11)
        for text in section.paragraphs:
            pdf.paragraph(text)
    pdf.heading("Acceptatie")
    pdf.paragraph(_acceptance_text(version, acceptance))
    return bytes(pdf.output())


def _acceptance_text(version: AgreementVersion, acceptance: AgreementAcceptance | None) -> str:
    if acceptance is None:
        return (
            "Nog niet geaccepteerd. De beheerder van het lidbedrijf accepteert deze versie "
            "elektronisch in het ledenportaal (artikel 28, lid 9 AVG)."
        )
    return (
        f"Elektronisch geaccepteerd door {acceptance.signatory_name} op "
        f"{nl_date(acceptance.accepted_at, with_time=True)} (versie {version.label}). "
        f"SHA-256 van de tekst: {acceptance.document_sha256}"
    )
