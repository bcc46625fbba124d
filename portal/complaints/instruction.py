"""A company's own work instruction (werkinstructie) for complaints, with the association's
default as the starting point, and a printable PDF of it.

Seed 001: a klachteninstructie says where complaints are handled, how to meet the customer, who
handles which complaint, which solutions can be offered and who is responsible. The default
text is the portal's Werkwijze wording; a company that saves its own text sees that instead.
"""

from __future__ import annotations

from flask import render_template
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from portal.complaints.letters import a4_pdf
from portal.complaints.models import ComplaintPolicy
from portal.core.db import utcnow
from portal.extensions import db

MAX_CHARS = 20_000


def default_text() -> str:
    """The association's default work instruction as plain text (in the user's language)."""
    return render_template("complaints/work_instruction_default.txt").strip() + "\n"


def text_for(policy: ComplaintPolicy) -> tuple[str, bool]:
    """(the instruction to show, whether it is the company's own)."""
    own = (policy.work_instruction or "").strip()
    return (own + "\n", True) if own else (default_text(), False)


def save(policy: ComplaintPolicy, text: str) -> None:
    """Store the company's own text; an empty text means the default again. Flushes only."""
    policy.work_instruction = (text or "").strip()[:MAX_CHARS]
    policy.updated_at = utcnow()
    db.session.add(policy)
    db.session.flush()


def render_pdf(*, company_name: str, text: str, policy_lines: list[str]) -> bytes:
    """The instruction as an A4 PDF to print and hang up, with the deadlines of the regeling."""
    pdf = a4_pdf(f"Werkinstructie klachten {company_name}")
    pdf.set_font("DejaVu", "B", 15)
    _line(pdf, 8, f"Werkinstructie klachten – {company_name}")
    pdf.set_font("DejaVu", "", 10)
    for line in policy_lines:
        _line(pdf, 5, line)
    pdf.ln(4)
    for line in text.split("\n"):
        _line(pdf, 5.5, line or " ")
    return bytes(pdf.output())


def _line(pdf: FPDF, height: float, text: str) -> None:
    pdf.multi_cell(0, height, text, markdown=False, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
