"""Beheer > Criterium 2: CSV/XLSX exports and the summary page with its chart."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flask import Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.compliance import exports, reports, services
from portal.compliance import status as st
from portal.compliance.routes.blueprint import bp
from portal.core import audit
from portal.core.access import require_user
from portal.core.db import utcnow
from portal.core.settings import get_setting
from portal.core.templating import AMSTERDAM
from portal.extensions import db

MIME = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _download(data: bytes, fmt: str, stem: str) -> Response:
    day = utcnow().astimezone(AMSTERDAM).date().isoformat()
    response = Response(data, mimetype=MIME[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}-{day}.{fmt}"'
    return response


def _build(fmt: str, header: Sequence[str], records: Iterable[Sequence], title: str) -> bytes:
    if fmt == "csv":
        return exports.to_csv(header, records)
    return exports.to_xlsx(header, records, title=title)


@bp.get("/export.<fmt>")
def export(fmt: str) -> ResponseReturnValue:
    """The filtered overview as CSV or XLSX (formula injection neutralised); audited."""
    if fmt not in MIME:
        abort(404)
    filters = services.parse_filters(request.args)
    rows = services.selected_rows(filters, utcnow())
    data = _build(fmt, exports.OVERVIEW_HEADER, map(exports.overview_record, rows), "Criterium 2")
    audit.record(
        "compliance.exported",
        actor=require_user(),
        subject_type="export",
        subject_id="criterium-2",
        changes={
            "rows": {"old": None, "new": len(rows)},
            "filters": {"old": None, "new": filters.args()},
        },
    )
    db.session.commit()
    return _download(data, fmt, "criterium-2")


@bp.get("/datalevering-uitgesloten.<fmt>")
def export_excluded(fmt: str) -> ResponseReturnValue:
    """Members on another system, left out of the Klantenvertellen data delivery; audited."""
    if fmt not in MIME:
        abort(404)
    records = exports.excluded_records()
    data = _build(fmt, exports.EXCLUDED_HEADER, records, "Uitgesloten")
    audit.record(
        "compliance.exported",
        actor=require_user(),
        subject_type="export",
        subject_id="datalevering-uitgesloten",
        changes={"rows": {"old": None, "new": len(records)}},
    )
    db.session.commit()
    return _download(data, fmt, "datalevering-uitgesloten")


@bp.get("/rapportage")
def summary():
    """Members per status over 12 months, per system kind and per province, with a chart."""
    now = utcnow()
    rows = services.overview_rows(now)
    points = reports.history(
        now.astimezone(AMSTERDAM).date(), months=12, deadline_days=get_setting("deadline_days")
    )
    return render_template(
        "compliance/summary.html",
        counts=services.count_by_status(rows),
        total=len(rows),
        kinds=reports.by_kind(rows),
        regions=reports.by_province(rows),
        points=points,
        chart=reports.stacked_chart(points),
        order=reports.ORDER,
        labels={"status": st.STATUS_LABELS, "kind": st.KIND_LABELS, "tone": st.STATUS_TONES},
        title=_("Rapportage criterium 2"),
    )
