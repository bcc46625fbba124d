"""The periodic complaints report (PDF) for the management review, with the previous period.

Plain figures from `stats` (no personal data, no customer names), laid out with fpdf2 and the
DejaVu font the letters use.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from fpdf import FPDF, XPos, YPos

from portal.complaints import stats
from portal.complaints.actions import ActionFigures
from portal.complaints.letters import a4_pdf
from portal.core.templating import nl_date, nl_decimal


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before `start`."""
    length = (end - start).days
    prev_end = start - timedelta(days=1)
    return prev_end - timedelta(days=length), prev_end


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{nl_decimal(value * 100, 0)}%"


def _days(value: float | None) -> str:
    return "–" if value is None else f"{nl_decimal(value, 1)} d"


def _money(value: Decimal | None) -> str:
    return "–" if value is None else f"€ {nl_decimal(value, 2)}"


def key_figures(now: stats.Figures, before: stats.Figures) -> list[tuple[str, str, str]]:
    """(label, this period, previous period) rows of the report's first table."""
    return [
        ("Klachten ontvangen", str(now.total), str(before.total)),
        ("Afgehandeld", str(now.closed), str(before.closed)),
        ("Nog open", str(now.open), str(before.open)),
        ("Binnen de termijn afgehandeld", _pct(now.within_share), _pct(before.within_share)),
        ("Ontvangst tijdig bevestigd", _pct(now.ack_in_time_share), _pct(before.ack_in_time_share)),
        ("Mediane doorlooptijd", _days(now.median_days), _days(before.median_days)),
        ("90e percentiel doorlooptijd", _days(now.p90_days), _days(before.p90_days)),
        ("Heropend: geschil", str(now.disputes), str(before.disputes)),
        ("Heropend: probleem terug", str(now.repeats), str(before.repeats)),
        ("Oorzaak bij leverancier", str(now.supplier_faults), str(before.supplier_faults)),
        ("Kosten", _money(now.costs_total), _money(before.costs_total)),
    ]


def action_rows(now: ActionFigures, before: ActionFigures) -> list[tuple[str, str, str]]:
    """Key-figure rows for corrective and improvement actions (portal/complaints/actions.py)."""
    return [
        ("Acties afgesproken", str(now.agreed), str(before.agreed)),
        ("Acties gereed", str(now.done), str(before.done)),
        ("Acties te laat gereed", str(now.done_late), str(before.done_late)),
        ("Acties nu te laat (open)", str(now.overdue), "–"),
    ]


def render(
    *,
    company_name: str,
    start: date,
    end: date,
    now: stats.Figures,
    before: stats.Figures,
    prev: tuple[date, date],
    extra_rows: list[tuple[str, str, str]] | None = None,
) -> bytes:
    """The report as A4 PDF bytes."""
    pdf = a4_pdf(f"Klachtenrapport {company_name}")
    pdf.set_font("DejaVu", "B", 15)
    _line(pdf, 8, f"Klachtenrapport {company_name}")
    pdf.set_font("DejaVu", "", 10)
    _line(
        pdf,
        5,
        f"Periode {nl_date(start)} t/m {nl_date(end)}; "
        f"vergeleken met {nl_date(prev[0])} t/m {nl_date(prev[1])}.",
    )
    _line(pdf, 5, "Voor de managementbespreking. Zonder persoonsgegevens.")
    pdf.ln(4)
    _table(
        pdf,
        ("Kerncijfer", "Deze periode", "Vorige periode"),
        key_figures(now, before) + list(extra_rows or ()),
    )
    for title, series_now, series_before in (
        ("Per categorie", now.by_category, before.by_category),
        ("Per oorzaak", now.by_root_cause, before.by_root_cause),
        ("Per oordeel", now.by_verdict, before.by_verdict),
        ("Per ernst", now.by_severity, before.by_severity),
        ("Per soort installatie", now.by_installation, before.by_installation),
        ("Per klantgroep", now.by_customer_group, before.by_customer_group),
        ("Per wijze van melding", now.by_channel, before.by_channel),
        ("Tevredenheid over de afhandeling", now.by_satisfaction, before.by_satisfaction),
        ("Per behandelaar", now.by_handler, before.by_handler),
    ):
        if not series_now and not series_before:
            continue
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 11)
        _line(pdf, 6, title)
        earlier = dict(series_before)
        labels = [label for label, _ in series_now] + [
            label for label, _ in series_before if label not in dict(series_now)
        ]
        current = dict(series_now)
        _table(
            pdf,
            ("", "Deze periode", "Vorige periode"),
            [(label, str(current.get(label, 0)), str(earlier.get(label, 0))) for label in labels],
        )
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 9)
    _line(
        pdf,
        4.5,
        "Binnen de termijn: afgehandeld voordat een termijn verstreek; een tussenbericht "
        "op tijd verlengt één keer. Doorlooptijd: kalenderdagen van ontvangst tot eerste "
        "afhandeling.",
    )
    return bytes(pdf.output())


def _line(pdf: FPDF, height: float, text: str) -> None:
    pdf.multi_cell(0, height, text, markdown=False, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _table(pdf: FPDF, header: tuple[str, str, str], rows: list[tuple[str, str, str]]) -> None:
    pdf.set_font("DejaVu", "", 9.5)
    with pdf.table(
        col_widths=(90, 40, 40),
        text_align=("LEFT", "RIGHT", "RIGHT"),
        line_height=6,
        first_row_as_headings=True,
    ) as table:
        table.row(header)
        for row in rows:
            table.row(row)
