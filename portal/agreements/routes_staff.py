"""Staff: who accepted which version (with CSV export); admin: draft, edit and publish versions."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from portal.agreements import services
from portal.agreements.clauses import (
    DEFAULT_BODY,
    DEFAULT_TITLE,
    REQUIRED_CLAUSES,
    missing_markers,
    parse_body,
)
from portal.agreements.forms import NewDraftForm, PublishForm, VersionForm
from portal.agreements.models import AgreementVersion
from portal.core import audit, concurrency
from portal.core.access import require_user
from portal.core.security import admin_required, staff_required
from portal.core.templating import nl_date
from portal.core.uploads import neutralise_formula
from portal.core.validation import add_error
from portal.extensions import db
from portal.members.models import Company

bp = Blueprint("agreements_staff", __name__)


@bp.before_request
@staff_required
def _staff_only():
    """Staff and admin only; members get 404."""
    return None


def _version_or_404(public_id: str) -> AgreementVersion:
    version = db.session.scalars(
        select(AgreementVersion).where(AgreementVersion.public_id == str(public_id)[:36])
    ).first()
    if version is None:
        abort(404)
    return version


def _selected_version() -> AgreementVersion | None:
    wanted = request.args.get("versie", "")
    return _version_or_404(wanted) if wanted else None


def _acceptances():
    """The acceptances of the selected version (or all), with their companies by id."""
    selected = _selected_version()
    rows = services.acceptances(selected)
    companies = {
        c.id: c
        for c in db.session.scalars(
            select(Company).where(Company.id.in_({a.company_id for a in rows}))
        )
    }
    return selected, rows, companies


@bp.get("/")
def index():
    """Versions and acceptances, optionally of one version."""
    selected, rows, companies = _acceptances()
    return render_template(
        "agreements/staff_index.html",
        versions=services.all_versions(),
        current=services.current_version(),
        selected=selected,
        rows=rows,
        companies=companies,
    )


@bp.get("/export.csv")
def export():
    """The acceptance list as CSV (formula cells neutralised)."""
    selected, rows, companies = _acceptances()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [
            "lidnummer",
            "bedrijf",
            "kvk",
            "versie",
            "ondertekenaar",
            "functie",
            "geaccepteerd_op_utc",
            "ip",
            "sha256",
        ]
    )
    for a in rows:
        company = companies.get(a.company_id)
        writer.writerow(
            neutralise_formula(v)
            for v in (
                company.member_number if company else a.company_member_number,
                company.legal_name if company else a.company_name,
                company.kvk_number if company else a.company_kvk,
                a.version.label,
                a.signatory_name,
                a.signatory_function,
                a.accepted_at.isoformat(timespec="seconds"),
                a.ip,
                a.document_sha256,
            )
        )
    audit.record(
        "agreement.acceptances_exported",
        actor=require_user(),
        subject=selected,  # or all versions:
        subject_type="agreement_version",
        subject_id="*",
    )
    db.session.commit()
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="acceptaties-verwerkersovereenkomst.csv"'
        },
    )


@bp.get("/versies/<version_id>")
def version(version_id: str) -> ResponseReturnValue:
    """One version's text, with edit and publish forms for admins while it is a draft."""
    item = _version_or_404(version_id)
    return _version_page(item, _draft_form(item), PublishForm())


def _draft_form(item: AgreementVersion) -> VersionForm:
    """The edit form of a version, stamped with the version it shows."""
    form = VersionForm(obj=item, data={"summary": item.summary_of_changes})
    concurrency.stamp(form, item.version, _draft_values(form, item))
    return form


def _draft_values(form: VersionForm, item: AgreementVersion) -> dict:
    return concurrency.obj_values(form, item, summary=item.summary_of_changes)


def _version_page(
    item: AgreementVersion, form: VersionForm, publish_form: PublishForm, status: int = 200
) -> ResponseReturnValue:
    return (
        render_template(
            "agreements/staff_version.html",
            item=item,
            form=form,
            publish_form=publish_form,
            sections=parse_body(item.body),
            missing=missing_markers(item.body),
            required=REQUIRED_CLAUSES,
            published=nl_date(item.published_at) if item.published_at else "",
        ),
        status,
    )


@bp.get("/nieuw")
@admin_required
def new():
    """Admin: a new draft, prefilled with the current (or the standard) text."""
    current = services.current_version()
    form = NewDraftForm(
        data={
            "title": current.title if current else DEFAULT_TITLE,
            "body": current.body if current else DEFAULT_BODY,
        }
    )
    return render_template("agreements/staff_new.html", form=form)


@bp.post("/nieuw")
@admin_required
def create():
    """Admin: save a new draft; 422 with the form on problems."""
    form = NewDraftForm()
    if form.validate_on_submit():
        url = concurrency.create_once(lambda: _create_draft(form))
        if url is not None:  # a repeated submit: the draft the first one made
            return redirect(url, 303)
    return render_template("agreements/staff_new.html", form=form), 422


def _create_draft(form: NewDraftForm) -> str | None:
    """The service call of `create`: the new draft's URL, or None with the field error."""
    try:
        item = services.create_draft(
            label=form.label.data or "",
            title=form.title.data or "",
            body=form.body.data or "",
            summary=form.summary.data or "",
            by=require_user(),
        )
    except services.AgreementError as exc:
        add_error(getattr(form, exc.field or "label"), exc.message)
        return None
    flash(_("Concept opgeslagen."), "success")
    return url_for("agreements_staff.version", version_id=item.public_id)


@bp.post("/versies/<version_id>")
@admin_required
def update(version_id: str) -> ResponseReturnValue:
    """Admin: edit a draft (the label stays)."""
    item = _version_or_404(version_id)
    form = VersionForm()
    form.label.data = item.label
    status = 422
    if concurrency.is_stale(form, item.version, _draft_values(form, item)):
        status = 409
    elif form.validate_on_submit():
        try:
            services.update_draft(
                item,
                title=form.title.data or "",
                body=form.body.data or "",
                summary=form.summary.data or "",
                by=require_user(),
            )
            db.session.commit()
        except services.AgreementError as exc:
            add_error(form.body, exc.message)
        except concurrency.StaleDataError:
            reload = concurrency.reloader(item, lambda v: _draft_values(form, v))
            concurrency.conflict_after_race(form, reload)
            status = 409
        else:
            flash(_("Concept bijgewerkt."), "success")
            return redirect(url_for("agreements_staff.version", version_id=item.public_id), 303)
    return _version_page(item, form, PublishForm(), status)


@bp.post("/versies/<version_id>/publiceren")
@admin_required
def publish(version_id: str) -> ResponseReturnValue:
    """Admin: freeze and publish a draft; refused while a required clause is missing."""
    item = _version_or_404(version_id)
    publish_form = PublishForm()
    if publish_form.validate_on_submit():
        try:
            services.publish(item, by=require_user())
        except services.AgreementError as exc:
            publish_form.confirm.errors = [exc.message]
        else:
            db.session.commit()
            flash(
                _(
                    "Versie %(label)s is gepubliceerd. Leden moeten haar opnieuw accepteren.",
                    label=item.label,
                ),
                "success",
            )
            return redirect(url_for("agreements_staff.index"), 303)
    return _version_page(item, _draft_form(item), publish_form, 422)
