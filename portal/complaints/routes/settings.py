"""Mijn profiel > Klachten > Instellingen: the company's klachtenregeling and letter wording.

Everyone of the company may look; only the beheerder saves. Attached to the `complaints`
blueprint (imported by `routes.register`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal.complaints import letters, services
from portal.complaints.forms import (
    LetterTemplateForm,
    PolicyForm,
)
from portal.complaints.labels import LETTER_LABELS
from portal.complaints.models import ComplaintPolicy, LetterKind
from portal.complaints.routes.blueprint import bp
from portal.complaints.routes.docs import letter_kind_or_404
from portal.core import concurrency
from portal.core.access import company_admin_required, current_company
from portal.core.forms import EmptyForm
from portal.extensions import db

if TYPE_CHECKING:
    from portal.members.models import Company


beheerder_only = company_admin_required(
    _l("Alleen de beheerder van uw bedrijf kan de klachtenregeling wijzigen.")
)


def _settings_page(form: PolicyForm, company: Company, status: int = 200) -> ResponseReturnValue:
    templates = {kind: letters.template_for(company.id, kind)[2] for kind in LetterKind}
    return render_template(
        "complaints/settings.html",
        form=form,
        company=company,
        can_edit=current_user.is_company_admin,
        letter_labels=LETTER_LABELS,
        customised=templates,
    ), status


@bp.get("/instellingen")
def settings():
    """The company's klachtenregeling: deadlines, categories, letters."""
    company = current_company()
    policy = services.policy_for(company)
    form = PolicyForm(obj=policy, categories="\n".join(services.category_names(company)))
    form.coordinator.data = _coordinator_public_id(policy)
    _coordinator_choices(form, company)
    concurrency.stamp(form, *_policy_state(company, form))
    return _settings_page(form, company)


def _coordinator_choices(form: PolicyForm, company: Company) -> None:
    from portal.complaints.queries import colleagues

    form.coordinator.choices = [("", _("— geen: de beheerders —"))] + [
        (u.public_id, u.name or u.email) for u in colleagues(company.id)
    ]


def _coordinator_public_id(policy: ComplaintPolicy) -> str:
    from portal.auth.models import User

    user = db.session.get(User, policy.coordinator_id) if policy.coordinator_id else None
    return user.public_id if user is not None else ""


def _policy_state(company: Company, form: PolicyForm) -> tuple[int, dict[str, Any]]:
    """(version, values) of the stored policy and category list, for the version check.

    The categories have no version of their own: their text is part of the combined version.
    """
    policy = services.policy_for(company)
    categories = "\n".join(services.category_names(company))
    version = concurrency.combined_version(policy.version or 0, categories)
    return version, concurrency.obj_values(
        form, policy, categories=categories, coordinator=_coordinator_public_id(policy)
    )


@bp.post("/instellingen")
@beheerder_only
def settings_post():
    """Save the policy and categories (beheerder only); 409 after someone else's save."""
    company = current_company()
    form = PolicyForm()
    _coordinator_choices(form, company)
    status = 422
    _held = services.policy_for(company)  # the save updates it under the version read here
    if concurrency.is_stale(form, *_policy_state(company, form)):
        status = 409
    elif form.validate_on_submit():
        try:
            values = form.data | {"coordinator_id": _coordinator_id(company, form.coordinator.data)}
            services.save_policy(company, values)
            services.save_categories(company, (form.categories.data or "").split("\n"))
            db.session.commit()
        except (concurrency.StaleDataError, IntegrityError):  # saved (or first stored) meanwhile
            concurrency.conflict_after_race(form, lambda: _policy_state(company, form))
            status = 409
        else:
            flash(_("De klachtenregeling is opgeslagen. Nieuwe klachten krijgen deze termijnen."))
            return redirect(url_for("complaints.settings"), 303)
    return _settings_page(form, company, status)


def _coordinator_id(company: Company, public_id: str) -> int | None:
    from portal.complaints.queries import colleagues

    return next((u.id for u in colleagues(company.id) if u.public_id == public_id), None)


@bp.get("/instellingen/brieven/<kind>")
def letter_template(kind: str) -> ResponseReturnValue:
    """Edit the wording of one standard letter."""
    company = current_company()
    letter_kind = letter_kind_or_404(kind)
    subject, body, custom = letters.template_for(company.id, letter_kind)
    form = LetterTemplateForm(subject=subject, body=body)
    concurrency.stamp(form, *_letter_state(company, letter_kind))
    return _template_page(form, letter_kind, custom)


def _letter_state(company: Company, kind: LetterKind) -> tuple[int, dict[str, str]]:
    """(version, values) of the company's stored wording (version 0: the default wording)."""
    subject, body, _custom = letters.template_for(company.id, kind)
    row = letters.stored_template(company.id, kind)
    return (row.version if row is not None else 0), {"subject": subject, "body": body}


def _template_page(
    form: LetterTemplateForm, letter_kind: LetterKind, custom: bool, status: int = 200
) -> ResponseReturnValue:
    return render_template(
        "complaints/letter_template.html",
        form=form,
        kind=letter_kind,
        kind_label=LETTER_LABELS[letter_kind],
        placeholders=letters.PLACEHOLDERS,
        custom=custom,
        can_edit=current_user.is_company_admin,
        reset_form=EmptyForm(),
    ), status


@bp.post("/instellingen/brieven/<kind>")
@beheerder_only
def letter_template_post(kind: str) -> ResponseReturnValue:
    """Save the wording (beheerder only); unknown placeholders are refused."""
    company = current_company()
    letter_kind = letter_kind_or_404(kind)
    form = LetterTemplateForm()
    status = 422
    _held = letters.stored_template(
        company.id, letter_kind
    )  # the save updates it under its version
    if concurrency.is_stale(form, *_letter_state(company, letter_kind)):
        status = 409
    elif form.validate_on_submit():
        try:
            letters.save_template(
                company.id, letter_kind, subject=form.subject.data or "", body=form.body.data or ""
            )
            db.session.commit()
        except (concurrency.StaleDataError, IntegrityError):  # saved (or first stored) meanwhile
            concurrency.conflict_after_race(form, lambda: _letter_state(company, letter_kind))
            status = 409
        else:
            flash(_("De brief is opgeslagen."))
            return redirect(url_for("complaints.settings"), 303)
    return _template_page(form, letter_kind, True, status)


@bp.post("/instellingen/brieven/<kind>/standaard")
@beheerder_only
def letter_template_reset(kind: str) -> ResponseReturnValue:
    """Go back to the association's default wording (beheerder only)."""
    company = current_company()
    letter_kind = letter_kind_or_404(kind)
    if not EmptyForm().validate_on_submit():
        abort(400)
    letters.save_template(company.id, letter_kind, subject="", body="")
    db.session.commit()
    flash(_("De standaardtekst wordt weer gebruikt."))
    return redirect(url_for("complaints.settings"), 303)
