"""Beheer > Klachten: aggregated figures across all members, without any complainant data."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.complaints import stats
from portal.complaints.models import Complaint
from portal.complaints.routes.figures import period_from_args
from portal.core.security import staff_required
from portal.extensions import db

bp = Blueprint("complaints_staff", __name__)


@bp.before_request
@staff_required
def _staff_only():
    """Staff and admin only; members get 404."""
    return None


@bp.get("/")
def index():
    """Counts, handling times and deadline compliance over all members for a period."""
    start, end = period_from_args(request.args)
    rows = stats.load_rows(company_id=None, start=start, end=end)
    figures = stats.compute(rows, start=start, end=end)
    companies = db.session.scalar(
        select(func.count(func.distinct(Complaint.company_id))).where(
            Complaint.received_on >= start, Complaint.received_on <= end
        )
    )
    return render_template(
        "complaints/staff_index.html",
        figures=figures,
        start=start,
        end=end,
        companies=companies or 0,
        month_chart=stats.bar_chart(_("Klachten per maand, alle leden"), figures.by_month),
    )
