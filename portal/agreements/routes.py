"""Mijn profiel > Verwerkersovereenkomst: read, download as PDF, accept (beheerder only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from portal.agreements import document, services
from portal.agreements.clauses import parse_body
from portal.agreements.forms import AcceptForm
from portal.agreements.pdf import Parties, build_pdf
from portal.core.access import current_company, require_user
from portal.core.htmx import render
from portal.core.security import member_required
from portal.extensions import db

if TYPE_CHECKING:
    from portal.members.models import Company

bp = Blueprint("agreements", __name__)


@bp.before_request
@member_required
def _members_only():
    """Member users only (staff get 404)."""
    return None


@bp.get("/")
def show():
    """The current agreement in the page, its acceptance state and the accept form."""
    company = current_company()
    form = AcceptForm(data={"signatory_name": current_user.name})
    return _page(form, company)


def _page(form: AcceptForm, company: Company, status: int = 200) -> ResponseReturnValue:
    state = services.state_for(company)
    if state.version is not None:
        form.version_id.data = state.version.public_id
    return render(
        "agreements/show.html",
        "agreements/_accept.html",
        target="agreement-accept",
        status=status,
        form=form,
        company=company,
        state=state,
        sections=parse_body(state.version.body) if state.version else [],
        doc=document.context_of(state.version) if state.version else {},
        processor=document.processor_of(state.version) if state.version else None,
        can_accept=current_user.is_company_admin,
    )


@bp.post("/accepteren")
def accept():
    """Record the acceptance of the current version; 422 with the form on problems."""
    company = current_company()
    form = AcceptForm()
    if not current_user.is_company_admin:
        form.confirm.errors = [
            _("Alleen de beheerder van uw bedrijf kan de overeenkomst accepteren.")
        ]
        return _page(form, company, status=403)
    if form.validate_on_submit():
        version = services.current_version()
        try:
            if version is None or version.public_id != form.version_id.data:
                raise services.AgreementError(
                    _(
                        "De overeenkomst is intussen gewijzigd. Lees de nieuwe versie en accepteer opnieuw."
                    )
                )
            services.accept(
                company,
                version,
                by=require_user(),
                signatory_name=form.signatory_name.data or "",
                signatory_function=form.signatory_function.data or "",
                ip=request.remote_addr or "",
            )
        except services.AgreementError as exc:
            form.confirm.errors = [exc.message]
        else:
            db.session.commit()
            flash(_("Uw bedrijf heeft de verwerkersovereenkomst geaccepteerd."), "success")
            return redirect(url_for("agreements.show"), 303)
    return _page(form, company, status=422)


@bp.get("/verwerkersovereenkomst.pdf")
def download():
    """The current version as a PDF, personalised with the company and signatory."""
    company = current_company()
    state = services.state_for(company)
    if state.version is None:
        flash(_("Er is nog geen verwerkersovereenkomst gepubliceerd."), "warning")
        return redirect(url_for("agreements.show"), 303)
    acceptance = state.acceptance
    parties = Parties(
        company,
        acceptance.signatory_name if acceptance else current_user.name,
        acceptance.signatory_function if acceptance else "",
    )
    data = build_pdf(state.version, parties, acceptance)
    services.record_download(company, state.version, by=require_user())
    db.session.commit()
    filename = f"verwerkersovereenkomst-{state.version.label}.pdf"
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
