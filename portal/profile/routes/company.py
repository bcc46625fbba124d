"""Mijn profiel: dashboard, company details, logo, directory visibility."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from portal.core import concurrency
from portal.core.access import current_company, require_user
from portal.core.db import utcnow
from portal.core.htmx import render
from portal.core.templating import AMSTERDAM
from portal.core.validation import add_error
from portal.extensions import db
from portal.members import services
from portal.members.forms import CompanyForm, LogoForm, OptOutForm
from portal.members.models import Company
from portal.profile import todos
from portal.profile.routes.blueprint import bp

if TYPE_CHECKING:
    from portal.reviews.card import Card


def company_form(company: Company, formdata: MultiDict[str, str] | None = None) -> CompanyForm:
    """The details form, filled from the company or the posted data."""
    form = CompanyForm(formdata=formdata, obj=company)
    form.specialisms.choices = [(s.id, s.name) for s in services.active_specialisms()]
    if formdata is None:
        form.specialisms.data = [s.id for s in company.specialisms]
        concurrency.stamp(form, company.version, services.form_values(company, form))
    return form


def optout_form(company: Company, formdata: MultiDict[str, str] | None = None) -> OptOutForm:
    """The ledenzoeker opt-out form, stamped with the company's version when fresh."""
    form = OptOutForm(formdata=formdata, obj=company)
    if formdata is None:
        concurrency.stamp(form, company.version, services.form_values(company, form))
    return form


def _criterion_card(company: Company) -> Card | None:
    try:
        from portal.reviews import services as review_services
    except ImportError:
        return None
    card = getattr(review_services, "criterion_card", None)
    return card(company) if card else None


@bp.get("/")
def dashboard():
    """Overview: the to-do list, criterium-2 status and a preview of the public listing."""
    company = current_company()
    card = _criterion_card(company)
    return render_template(
        "profile/dashboard.html",
        company=company,
        card=card,
        todos=todos.build_todos(company, card, today=utcnow().astimezone(AMSTERDAM).date())
        if card
        else [],
        user=require_user(),
    )


@bp.get("/bedrijfsgegevens")
def details():
    """Edit form for the ledenzoekgegevens."""
    company = current_company()
    return render_template(
        "profile/details.html",
        form=company_form(company),
        company=company,
        logo_form=LogoForm(),
        optout_form=optout_form(company),
        action=url_for("profile.details_post"),
    )


@bp.post("/bedrijfsgegevens")
def details_post():
    """Save the details; 422 with the form on errors, 303 back on success."""
    company = current_company()
    form = company_form(company, request.form)
    status = 422
    if concurrency.is_stale(form, company.version, services.form_values(company, form)):
        status = 409
    elif form.validate_on_submit():
        try:
            changes = services.update_company(company, _form_data(form), by=require_user())
            db.session.commit()
        except concurrency.StaleDataError:
            concurrency.conflict_after_race(form, services.reloader(company, form))
            status = 409
        else:
            flash(_("Uw gegevens zijn opgeslagen.") if changes else _("Er was niets gewijzigd."))
            return redirect(url_for("profile.details"), 303)
    return render(
        "profile/details.html",
        "profile/_details_form.html",
        target="company-details-form",
        status=status,
        form=form,
        company=company,
        logo_form=LogoForm(),
        optout_form=optout_form(company),
        action=url_for("profile.details_post"),
    )


@bp.post("/bedrijfsgegevens/controleer/<field_name>")
def details_check(field_name: str = "") -> ResponseReturnValue:
    """Inline feedback for one field (htmx); the full POST checks everything again."""
    company = current_company()
    form = company_form(company, request.form)
    form.validate()
    if field_name not in form._fields or field_name in ("csrf_token", "specialisms"):
        abort(404)
    return render_template("profile/_field.html", f=form[field_name])


def _form_data(form: CompanyForm) -> dict:
    return {name: form[name].data for name in services.EDITABLE_FIELDS} | {
        "specialisms": form.specialisms.data
    }


@bp.post("/logo")
def logo_upload():
    """Upload a logo; it is re-encoded so metadata and hidden content disappear."""
    company = current_company()
    form = LogoForm()
    if form.validate_on_submit() and form.logo.data:
        raw = form.logo.data.read(services.LOGO_MAX_BYTES + 1)
        try:
            services.store_logo(company, raw, by=require_user())
        except services.CompanyError as exc:
            add_error(form.logo, str(exc))
        else:
            db.session.commit()
            flash(_("Het logo is opgeslagen."))
            return redirect(url_for("profile.details"), 303)
    elif not form.logo.errors:
        add_error(form.logo, _("Kies een bestand."))
    return render_template(
        "profile/details.html",
        form=company_form(company),
        company=company,
        logo_form=form,
        optout_form=optout_form(company),
        action=url_for("profile.details_post"),
    ), 422


@bp.post("/logo/verwijderen")
def logo_remove():
    """Remove the logo."""
    company = current_company()
    if not LogoForm().validate_on_submit():
        abort(400)
    services.remove_logo(company, by=require_user())
    db.session.commit()
    flash(_("Het logo is verwijderd."))
    return redirect(url_for("profile.details"), 303)


@bp.get("/logo")
def logo():
    """The company's own logo (also when hidden from the directory)."""
    company = current_company()
    if not company.logo_data:
        abort(404)
    return Response(
        company.logo_data, mimetype="image/png", headers={"Cache-Control": "private, no-store"}
    )


@bp.post("/zichtbaarheid")
def opt_out():
    """Leave or rejoin the ledenzoeker; leaving needs an explicit confirmation."""
    company = current_company()
    form = OptOutForm()
    status = 422
    if concurrency.is_stale(form, company.version, services.form_values(company, form)):
        status = 409
    elif form.validate_on_submit():
        if form.directory_opt_out.data and not form.confirm.data:
            add_error(form.confirm, _("Bevestig dat u dit begrijpt."))
        else:
            try:
                services.set_opt_out(company, form.directory_opt_out.data, by=require_user())
                db.session.commit()
            except concurrency.StaleDataError:
                concurrency.conflict_after_race(form, services.reloader(company, form))
                return _opt_out_page(company, form, 409)
            flash(
                _("Uw bedrijf staat niet meer in de ledenzoeker.")
                if form.directory_opt_out.data
                else _("Uw bedrijf staat weer in de ledenzoeker.")
            )
            return redirect(url_for("profile.details"), 303)
    return _opt_out_page(company, form, status)


def _opt_out_page(company: Company, form: OptOutForm, status: int) -> ResponseReturnValue:
    return render_template(
        "profile/details.html",
        form=company_form(company),
        company=company,
        logo_form=LogoForm(),
        optout_form=form,
        action=url_for("profile.details_post"),
    ), status
