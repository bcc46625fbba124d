"""Beheer > Audit: the searchable, read-only audit log (staff and admins)."""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from portal.admin import audit_search
from portal.admin.routes.blueprint import bp
from portal.core.htmx import render
from portal.core.paging import page_arg
from portal.extensions import db
from portal.members.models import Company

PER_PAGE = 50


@bp.get("/audit")
def audit_log():
    """Searchable, paginated, read-only audit log; htmx swaps only #audit-results."""
    filters = audit_search.parse_audit_filters(request.args)
    results = db.paginate(
        audit_search.audit_query(filters),
        page=page_arg(),
        per_page=PER_PAGE,
        max_per_page=PER_PAGE,
        error_out=False,
    )
    company_ids = {e.on_behalf_of_company_id for e in results.items if e.on_behalf_of_company_id}
    companies = {
        c.id: c for c in db.session.scalars(select(Company).where(Company.id.in_(company_ids)))
    }
    return render(
        "admin/audit.html",
        "admin/_audit_results.html",
        target="audit-results",
        results=results,
        filters=filters,
        companies=companies,
        actions=audit_search.action_names(),
    )
