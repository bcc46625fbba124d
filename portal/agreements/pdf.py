"""The personalised agreement as a PDF (fpdf2, DejaVu Sans shipped in portal/agreements/fonts)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import cast

from fpdf import FPDF

from portal.agreements import document
from portal.agreements.clauses import parse_body
from portal.agreements.models import AgreementAcceptance, AgreementVersion
from portal.core.association import Association
from portal.core.pdf_fonts import add_font
from portal.core.templating import nl_date
from portal.members.models import Company

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
LABEL_WIDTH = 50


@dataclass(frozen=True)
class Parties:
    """Who the agreement is between; the signatory comes from the acceptance or the reader."""

    company: Company
    signatory: str
    signatory_function: str = ""


class AgreementPdf(FPDF):
    """A4 portrait with DejaVu Sans, page numbers and the version in the footer."""

    def __init__(self, version: AgreementVersion):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.version = version
        add_font(self, FONT, "", FONT_DIR / "DejaVuSans.ttf")
        add_font(self, FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
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
        lines = self.multi_cell(LABEL_WIDTH, 5, label, dry_run=True, output="LINES")
        label_lines = len(cast("list[str]", lines))  # output="LINES" returns the lines
        if self.will_page_break(5 * label_lines):
            self.add_page()
        y = self.get_y()
        self.multi_cell(LABEL_WIDTH, 5, label, align="L", new_x="RIGHT", new_y="TOP")
        self.set_font(FONT, "", 9.5)
        self.multi_cell(0, 5, value, align="L", new_x="LMARGIN", new_y="NEXT")
        # The taller of label and value decides where the next row starts.
        self.set_y(max(self.get_y(), y + 5 * label_lines) + 1)


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


DEMO_NOTICE = (
    "DEMOGEGEVENS: de gegevens van de verwerker hieronder zijn voorbeeldgegevens van een "
    "ontwikkelomgeving. Dit document is geen geldige overeenkomst."
)


def _association_lines(processor: Association) -> str:
    return "\n".join((processor.name, f"KvK-nummer {processor.kvk}", processor.address))


def build_pdf(
    version: AgreementVersion, parties: Parties, acceptance: AgreementAcceptance | None = None
) -> bytes:
    """Render the personalised agreement; the text of every clause comes from `version.body`."""
    context = document.context_of(version)
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
    processor = Association.from_dict(context["association"])
    if processor.demo:
        pdf.paragraph(DEMO_NOTICE, 9)
    pdf.row("Verwerker", _association_lines(processor))
    pdf.row("Ondertekenaar", processor.signatory)
    pdf.row("Contact privacy en datalekken", processor.privacy_contact)
    pdf.row("Functionaris gegevens-\nbescherming", processor.dpo or "Niet aangesteld")
    pdf.heading("Gegevens van de verwerking")
    for label, value in context["details"]:
        pdf.row(label, value)
    pdf.ln(3)
    for section in parse_body(version.body):
        if section.heading:
            title = f"{section.marker}. {section.heading}" if section.marker else section.heading
            pdf.heading(title, 11)
        for text in section.paragraphs:
            pdf.paragraph(text)
        if section.marker == "SUB":
            for item in context["subprocessors"]:
                pdf.row(item["name"], f"{item['service']}; {item['location']}")
    if version.document_sha256:
        pdf.paragraph(
            f"SHA-256 van het hele document (versie {version.label}): {version.document_sha256}", 8
        )
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
        f"SHA-256 van het geaccepteerde document: {acceptance.document_sha256}"
    )
