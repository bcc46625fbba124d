"""Mijn profiel > Klachten: intake (new complaint, from a negative review) and the edit form.

Attached to the `complaints` blueprint (imported by `routes.register`); every complaint and
review is loaded through `get_owned_or_404`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.complaints import dispatch, review_intake, services
from portal.complaints.forms import (
    ComplaintForm,
    EditForm,
    OnceForm,
)
from portal.complaints.models import (
    SERIOUS_LEVELS,
    Channel,
    Complaint,
    SyncedReview,
)
from portal.complaints.routes.blueprint import bp
from portal.complaints.services import ComplaintError
from portal.core import concurrency
from portal.core.access import current_company, require_user
from portal.core.security import get_owned_or_404
from portal.core.validation import add_error, present
from portal.extensions import db

if TYPE_CHECKING:
    from portal.members.models import Company


def _category_choices(company: Company, current: str = "") -> list[tuple[str, str]]:
    """The company's active categories; a complaint's own (since retired) category stays."""
    names = services.category_names(company)
    if current and current not in names:
        names = [*names, current]
    return [("", _("— geen —"))] + [(n, n) for n in names]


@bp.get("/nieuw")
def new():
    """Intake form."""
    company = current_company()
    form = ComplaintForm(received_on=services.now_local_date())
    form.category.choices = _category_choices(company)
    return render_template("complaints/new.html", form=form, company=company)


@bp.post("/nieuw")
def create():
    """Register the complaint; 422 with the form on errors, 303 to the complaint."""
    company = current_company()
    form = ComplaintForm()
    form.category.choices = _category_choices(company)
    if form.validate_on_submit():
        url = concurrency.create_once(lambda: _create_complaint(company, form))
        if url is not None:
            return redirect(url, 303)
    return render_template("complaints/new.html", form=form, company=company), 422


def _create_complaint(company: Company, form: ComplaintForm) -> str | None:
    """The intake service for `create`; the new complaint's URL, or None with the field error."""
    try:
        complaint = services.create_complaint(
            company,
            form.data,
            by=require_user(),
            channel=Channel(form.channel.data),
            received_on=present(form.received_on.data),
            category=form.category.data or None,
            severity=form.severity.data or "normal",
        )
    except ComplaintError as exc:
        add_error(form[exc.field or "category"], str(exc))
        return None
    dispatch.notify_new(complaint, by=require_user())
    if complaint.severity in SERIOUS_LEVELS:
        dispatch.notify_serious(complaint, by=require_user())
    flash(_("Klacht %(ref)s is geregistreerd.", ref=complaint.reference))
    return url_for("complaints.show", public_id=complaint.public_id)


@bp.get("/<public_id>/bewerken")
def edit(public_id: str) -> ResponseReturnValue:
    """Edit the registration and outcome fields."""
    complaint = get_owned_or_404(Complaint, public_id)
    form = EditForm(obj=complaint)
    form.related_reference.data = complaint.related_to.reference if complaint.related_to else ""
    # `obj` wins over keyword data in WTForms, and `complaint.category` is the row, not its
    # name: set the shown value explicitly, or the select opens empty and saving clears it.
    form.category.data = _category_name(complaint)
    form.category.choices = _category_choices(complaint.company, _category_name(complaint))
    concurrency.stamp(form, complaint.version, _edit_values(form, complaint))
    return render_template("complaints/edit.html", form=form, complaint=complaint)


def _category_name(complaint: Complaint) -> str:
    return complaint.category.name if complaint.category else ""


def _edit_values(form: EditForm, complaint: Complaint) -> dict:
    related = complaint.related_to.reference if complaint.related_to else ""
    return concurrency.obj_values(
        form, complaint, category=_category_name(complaint), related_reference=related
    )


@bp.post("/<public_id>/bewerken")
def update(public_id: str) -> ResponseReturnValue:
    """Save the edit form; 422 on errors, 303 back to the complaint."""
    complaint = get_owned_or_404(Complaint, public_id)
    form = EditForm()
    form.category.choices = _category_choices(complaint.company, _category_name(complaint))
    if concurrency.is_stale(form, complaint.version, _edit_values(form, complaint)):
        return render_template("complaints/edit.html", form=form, complaint=complaint), 409
    if form.validate_on_submit():
        values = {name: form[name].data for name in services.EDITABLE_FIELDS}
        values["satisfaction"] = values["satisfaction"] or None
        values["category"] = form.category.data or None
        try:
            services.update_complaint(complaint, values, by=require_user())
            services.link_related(complaint, form.related_reference.data or "", by=require_user())
            severity = form.severity.data or complaint.severity.value
            if services.set_severity(complaint, severity, by=require_user()):
                dispatch.notify_serious(complaint, by=require_user())
            db.session.commit()
        except ComplaintError as exc:
            db.session.rollback()
            target = form._fields.get(exc.field) or form.category
            target.errors = [*target.errors, str(exc)]
        except concurrency.StaleDataError:
            reload = concurrency.reloader(complaint, lambda c: _edit_values(form, c))
            concurrency.conflict_after_race(form, reload)
            return render_template("complaints/edit.html", form=form, complaint=complaint), 409
        else:
            flash(_("De klacht is bijgewerkt."))
            return redirect(url_for("complaints.show", public_id=complaint.public_id), 303)
    return render_template("complaints/edit.html", form=form, complaint=complaint), 422


@bp.post("/beoordeling/<public_id>/klacht")
def from_review(public_id: str) -> ResponseReturnValue:
    """One click: open a complaint record linked to a negative review (others are refused)."""
    review = get_owned_or_404(SyncedReview, public_id)
    form = OnceForm()
    if not form.validate_on_submit():
        flash(_("Het formulier is verlopen. Probeer het opnieuw."), "error")
        return redirect(url_for("complaints.index"), 303)
    url = concurrency.create_once(lambda: _open_from_review(review))
    return redirect(url or url_for("complaints.index"), 303)


def _open_from_review(review: SyncedReview) -> str | None:
    """The service call of `from_review`: the complaint's URL, or None with the error flashed."""
    try:
        complaint, created = review_intake.open_from_review(
            review, by=require_user(), today=services.now_local_date()
        )
    except ComplaintError as exc:
        flash(str(exc), "error")
        return None
    if created:
        flash(
            _(
                "Klacht %(ref)s is aangemaakt vanuit de beoordeling. Vul de gegevens van de klant aan zodra u die kent.",
                ref=complaint.reference,
            )
        )
    return url_for("complaints.show", public_id=complaint.public_id)
