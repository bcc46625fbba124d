"""Mijn profiel > Klachten > Statistieken: figures for a period, CSV/XLSX export, PDF report.

Attached to the `complaints` blueprint (imported by `routes.register`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING

from flask import (
    Response,
    abort,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.complaints import actions, exports, services, stats
from portal.complaints.routes.blueprint import bp
from portal.complaints.routes.docs import pdf_response
from portal.core.access import current_company

if TYPE_CHECKING:
    pass


def period_from_args(args: Mapping[str, str]) -> tuple[date, date]:
    """`van`/`tot` (YYYY-MM-DD) or the last twelve months; bad input falls back to defaults."""
    today = services.now_local_date()
    default_start = date(today.year - 1, today.month, 1) + timedelta(days=31)
    default_start = default_start.replace(day=1)

    def parse(name: str, fallback: date) -> date:
        try:
            return date.fromisoformat((args.get(name) or "")[:10])
        except ValueError:
            return fallback

    start, end = parse("van", default_start), parse("tot", today)
    if end < start or (end - start).days > 3 * 366:
        start, end = default_start, today
    return start, end


@bp.get("/statistieken")
def statistics():
    """Figures for a period: tables, two bar charts and export links."""
    company = current_company()
    start, end = period_from_args(request.args)
    rows = stats.load_rows(company_id=company.id, start=start, end=end)
    figures = stats.compute(rows, start=start, end=end, with_handlers=True)
    return render_template(
        "complaints/stats.html",
        company=company,
        figures=figures,
        start=start,
        end=end,
        month_chart=stats.bar_chart(_("Klachten per maand"), figures.by_month),
        export_args={"van": start.isoformat(), "tot": end.isoformat()},
        action_figures=actions.figures(
            company.id, start=start, end=end, today=services.now_local_date()
        ),
    )


@bp.get("/statistieken/export.<fmt>")
def export(fmt: str) -> ResponseReturnValue:
    """The period's complaints without personal data, as CSV or XLSX."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    company = current_company()
    start, end = period_from_args(request.args)
    rows = stats.load_rows(company_id=company.id, start=start, end=end)
    name = f"klachten-{start.isoformat()}-{end.isoformat()}.{fmt}"
    if fmt == "csv":
        data, mime = exports.to_csv(rows), "text/csv; charset=utf-8"
    else:
        data = exports.to_xlsx(rows)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        data, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.get("/statistieken/rapport.pdf")
def report_pdf():
    """The periodic report (PDF) for the management review, compared with the period before."""
    from portal.complaints import report

    company = current_company()
    start, end = period_from_args(request.args)
    prev = report.previous_period(start, end)
    now = stats.compute(
        stats.load_rows(company_id=company.id, start=start, end=end),
        start=start,
        end=end,
        with_handlers=True,
    )
    before = stats.compute(
        stats.load_rows(company_id=company.id, start=prev[0], end=prev[1]),
        start=prev[0],
        end=prev[1],
        with_handlers=True,
    )
    today = services.now_local_date()
    data = report.render(
        company_name=company.display_name,
        start=start,
        end=end,
        now=now,
        before=before,
        prev=prev,
        extra_rows=report.action_rows(
            actions.figures(company.id, start=start, end=end, today=today),
            actions.figures(company.id, start=prev[0], end=prev[1], today=today),
        ),
    )
    return pdf_response(data, f"klachtenrapport-{start.isoformat()}-{end.isoformat()}.pdf")
