"""Beheer > Audit (staff, read-only), Instellingen and Vakgebieden (admin only)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.auth.routes import require_user
from portal.compliance import admin
from portal.compliance.forms import SettingsForm, SpecialismForm
from portal.compliance.services import ComplianceError
from portal.compliance.settings import DEFINITIONS, all_settings, update_settings
from portal.core.htmx import render
from portal.core.paging import page_arg
from portal.core.security import admin_required, staff_required
from portal.extensions import db
from portal.members.models import Company, Specialism

bp = Blueprint("compliance_admin", __name__)
PER_PAGE = 50


@bp.before_request
@staff_required
def _staff_only():
    """Staff and admins only; each admin page adds admin_required."""
    return None


@bp.get("/audit")
def audit_log():
    """Searchable, paginated, read-only audit log; htmx swaps only #audit-results."""
    filters = admin.parse_audit_filters(request.args)
    results = db.paginate(
        admin.audit_query(filters),
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
        "compliance/audit.html",
        "compliance/_audit_results.html",
        target="audit-results",
        results=results,
        filters=filters,
        companies=companies,
        actions=admin.action_names(),
    )


@bp.get("/instellingen")
@admin_required
def settings():
    """Publication minimum, deadline period, reminder interval and signal thresholds."""
    return render_template(
        "compliance/settings.html", form=SettingsForm(data=all_settings()), definitions=DEFINITIONS
    )


@bp.post("/instellingen")
@admin_required
def save_settings():
    """Save the settings (audited); 422 with the errors otherwise."""
    form = SettingsForm()
    if form.validate_on_submit():
        update_settings({name: form[name].data for name in DEFINITIONS}, by=require_user())
        db.session.commit()
        flash(_("De instellingen zijn opgeslagen."), "success")
        return redirect(url_for("compliance_admin.settings"), 303)
    return render_template("compliance/settings.html", form=form, definitions=DEFINITIONS), 422


def _specialisms_page(form: SpecialismForm, status: int = 200):
    items = db.session.scalars(select(Specialism).order_by(Specialism.name)).all()
    return render_template("compliance/specialisms.html", form=form, items=items), status


@bp.get("/vakgebieden")
@admin_required
def specialisms():
    """The managed list of specialisms, with a form to add one."""
    return _specialisms_page(SpecialismForm())


@bp.post("/vakgebieden")
@admin_required
def add_specialism():
    """Add a specialism; 422 when the name is empty or taken."""
    form = SpecialismForm()
    if form.validate_on_submit():
        try:
            admin.add_specialism(form.name.data, active=form.active.data, by=require_user())
        except ComplianceError as exc:
            form.name.errors = [exc.message]
        else:
            db.session.commit()
            flash(_("Vakgebied %(name)s is toegevoegd.", name=form.name.data), "success")
            return redirect(url_for("compliance_admin.specialisms"), 303)
    return _specialisms_page(form, 422)


def _specialism_or_404(slug: str) -> Specialism:
    item = db.session.scalars(select(Specialism).where(Specialism.slug == slug)).first()
    if item is None:
        abort(404)
    return item


@bp.get("/vakgebieden/<slug>")
@admin_required
def edit_specialism(slug: str):
    """Rename or switch off one specialism."""
    item = _specialism_or_404(slug)
    form = SpecialismForm(obj=item)
    return render_template("compliance/specialism_edit.html", form=form, item=item)


@bp.post("/vakgebieden/<slug>")
@admin_required
def update_specialism(slug: str):
    """Save the specialism (audited); 422 on invalid input."""
    item = _specialism_or_404(slug)
    form = SpecialismForm()
    if form.validate_on_submit():
        try:
            admin.update_specialism(
                item, name=form.name.data, active=form.active.data, by=require_user()
            )
        except ComplianceError as exc:
            form.name.errors = [exc.message]
        else:
            db.session.commit()
            flash(_("Vakgebied %(name)s is opgeslagen.", name=item.name), "success")
            return redirect(url_for("compliance_admin.specialisms"), 303)
    return render_template("compliance/specialism_edit.html", form=form, item=item), 422
