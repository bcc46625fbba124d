"""The company's own work instruction: edit (beheerder), back to the default, print as PDF."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal.complaints import dispatch, instruction, services
from portal.complaints.forms_extra import WorkInstructionForm
from portal.complaints.models import ComplaintPolicy
from portal.complaints.routes.blueprint import bp
from portal.complaints.routes.docs import pdf_response
from portal.core import concurrency
from portal.core.access import company_admin_required, current_company
from portal.core.forms import EmptyForm
from portal.core.templating import nl_date
from portal.extensions import db


def _state(policy: ComplaintPolicy) -> tuple[int, dict[str, str]]:
    """(version, values) of the stored instruction, for the version check."""
    text, _own = instruction.text_for(policy)
    return policy.version or 0, {"work_instruction": text.strip()}


def _page(form: WorkInstructionForm, own: bool, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "complaints/instruction_edit.html",
        form=form,
        own=own,
        can_edit=current_user.is_company_admin,
        reset_form=EmptyForm(),
    ), status


@bp.get("/werkwijze/werkinstructie")
def instruction_edit() -> ResponseReturnValue:
    """The work instruction in an editable text field (the default until the company saves)."""
    policy = services.policy_for(current_company())
    text, own = instruction.text_for(policy)
    form = WorkInstructionForm(work_instruction=text)
    concurrency.stamp(form, *_state(policy))
    return _page(form, own)


beheerder_only = company_admin_required(
    _l("Alleen de beheerder van uw bedrijf kan de werkinstructie wijzigen.")
)


@bp.post("/werkwijze/werkinstructie")
@beheerder_only
def instruction_save() -> ResponseReturnValue:
    """Save the company's own text (beheerder only); 409 after someone else's save."""
    policy = services.policy_for(current_company())
    form = WorkInstructionForm()
    status = 422
    if concurrency.is_stale(form, *_state(policy)):
        status = 409
    elif form.validate_on_submit():
        try:
            instruction.save(policy, form.work_instruction.data or "")
            db.session.commit()
        except (concurrency.StaleDataError, IntegrityError):
            concurrency.conflict_after_race(form, lambda: _state(policy))
            status = 409
        else:
            flash(_("De werkinstructie is opgeslagen."))
            return redirect(url_for("complaints.help_page"), 303)
    return _page(form, bool(policy.work_instruction), status)


@bp.post("/werkwijze/werkinstructie/standaard")
@beheerder_only
def instruction_reset() -> ResponseReturnValue:
    """Back to the association's default text (beheerder only)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    policy = services.policy_for(current_company())
    if policy.id is not None:
        instruction.save(policy, "")
        db.session.commit()
    flash(_("De standaardwerkinstructie wordt weer gebruikt."))
    return redirect(url_for("complaints.help_page"), 303)


@bp.get("/werkwijze/werkinstructie.pdf")
def instruction_pdf() -> ResponseReturnValue:
    """The work instruction with the regeling's deadlines as a PDF to print."""
    company = current_company()
    policy = services.policy_for(company)
    text, _own = instruction.text_for(policy)
    boss = dispatch.coordinator(company)
    lines = [
        _("Ontvangst bevestigen binnen %(n)s werkdagen; afhandelen binnen %(d)s dagen.",
          n=policy.ack_working_days, d=policy.handling_days),
        _("Klachtencoördinator: %(name)s", name=boss.name) if boss else
        _("Klachtencoördinator: nog niet gekozen (de beheerders)"),
        _("Stand van %(date)s", date=nl_date(services.now_local_date())),
    ]  # fmt: skip
    data = instruction.render_pdf(company_name=company.display_name, text=text, policy_lines=lines)
    return pdf_response(data, "werkinstructie-klachten.pdf")
