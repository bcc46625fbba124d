"""Mijn profiel > Klachten: letters to the complainant and the Werkwijze help page.

Statistics live in figures.py, the company's settings in settings.py.

Attached to the `complaints` blueprint (imported by `routes.register`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from portal.complaints import deadlines, dispatch, instruction, letters, services
from portal.complaints.forms import (
    LetterEditForm,
)
from portal.complaints.labels import LETTER_LABELS
from portal.complaints.models import Complaint, ComplaintLetter, LetterKind
from portal.complaints.routes.blueprint import bp
from portal.complaints.services import ComplaintError
from portal.config import ComplaintSettings
from portal.core import concurrency
from portal.core.access import current_company, require_user
from portal.core.forms import EmptyForm
from portal.core.security import get_owned_or_404
from portal.extensions import db

if TYPE_CHECKING:
    pass


def letter_kind_or_404(kind: str) -> LetterKind:
    """The letter kind named in a URL; 404 for any other word (also used by settings)."""
    try:
        return LetterKind(kind)
    except ValueError:
        abort(404)


def _letter_form(
    complaint: Complaint, kind: LetterKind
) -> tuple[bool, LetterEditForm, letters.Letter | None]:
    """(ok, form, letter) of a posted letter action.

    Without subject and text in the post the standard wording goes out (letter None: composed
    when sending). With them, the handler's own wording for this one complaint; invalid text
    gives ok False (the preview again, 422).

    :raises BadRequest: the form (CSRF) did not validate.
    """
    form = LetterEditForm()
    if not (request.form.get("subject") or request.form.get("body")):
        if not EmptyForm().validate_on_submit():  # the standard wording: only the token
            abort(400)
        return True, form, None
    if form.validate_on_submit():
        composed = letters.compose(complaint, kind, today=services.now_local_date())
        return True, form, letters.edited(composed, subject=form.subject.data, body=form.body.data)
    if "csrf_token" in form.errors:
        abort(400)
    return False, form, None


def pdf_response(data: bytes, filename: str) -> Response:
    """A PDF download named `filename` (also used by the instruction and the figures report)."""
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _preview_page(
    complaint: Complaint, kind: LetterKind, form: LetterEditForm, status: int = 200
) -> ResponseReturnValue:
    letter = letters.compose(
        complaint, kind, today=services.now_local_date(), sender=require_user()
    )
    return render_template(
        "complaints/letter_preview.html",
        complaint=complaint,
        letter=letter,
        kind_label=LETTER_LABELS[letter.kind],
        form=form,
        today_date=services.now_local_date(),
        promised=letter.kind in (LetterKind.ACKNOWLEDGEMENT, LetterKind.INTERIM)
        and deadlines.promised_due(
            complaint,
            today=services.now_local_date(),
            interim=letter.kind is LetterKind.INTERIM,
        ),
    ), status


@bp.get("/<public_id>/brief/<kind>")
def letter_preview(public_id: str, kind: str) -> ResponseReturnValue:
    """The filled-in letter in an editable form, with send and download buttons."""
    complaint = get_owned_or_404(Complaint, public_id)
    letter_kind = letter_kind_or_404(kind)
    letter = letters.compose(
        complaint, letter_kind, today=services.now_local_date(), sender=require_user()
    )
    form = LetterEditForm(subject=letter.subject, body=letter.body)
    return _preview_page(complaint, letter_kind, form)


@bp.post("/<public_id>/brief/<kind>/verzenden")
def letter_send(public_id: str, kind: str) -> ResponseReturnValue:
    """Queue the (possibly adjusted) letter by e-mail and keep it with the complaint."""
    complaint = get_owned_or_404(Complaint, public_id)
    letter_kind = letter_kind_or_404(kind)
    ok, form, letter = _letter_form(complaint, letter_kind)
    if not ok:
        return _preview_page(complaint, letter_kind, form, 422)

    def send() -> str | None:
        try:
            kept = dispatch.send_letter(
                complaint,
                letter_kind,
                by=require_user(),
                today=services.now_local_date(),
                letter=letter,
            )
        except ComplaintError as exc:
            flash(str(exc), "error")
            return None
        flash(_("De %(kind)s is verstuurd.", kind=str(LETTER_LABELS[kept.kind]).lower()))
        return url_for("complaints.show", public_id=public_id)

    url = concurrency.create_once(send)  # a double click queues one mail
    return redirect(
        url or url_for("complaints.letter_preview", public_id=public_id, kind=kind), 303
    )


@bp.post("/<public_id>/brief/<kind>/pdf")
def letter_pdf(public_id: str, kind: str) -> ResponseReturnValue:
    """Download the (possibly adjusted) letter as PDF; kept with the complaint as sent."""
    complaint = get_owned_or_404(Complaint, public_id)
    letter_kind = letter_kind_or_404(kind)
    ok, form, letter = _letter_form(complaint, letter_kind)
    if not ok:
        return _preview_page(complaint, letter_kind, form, 422)
    today = services.now_local_date()
    services.ensure_handler(complaint, require_user())
    letter = letter or letters.compose(complaint, letter_kind, today=today)
    dispatch.record_letter(complaint, letter, method="pdf", by=require_user(), today=today)
    data = dispatch.pdf_for(complaint, letter, today)
    db.session.commit()
    return pdf_response(data, f"{complaint.reference}-{letter.kind.value}.pdf")


@bp.get("/brieven/<public_id>.pdf")
def kept_pdf(public_id: str) -> ResponseReturnValue:
    """A letter as it was sent, again as PDF (no change)."""
    kept = get_owned_or_404(ComplaintLetter, public_id)
    complaint = kept.complaint
    data = dispatch.pdf_for(complaint, kept, kept.sent_at.date())
    return pdf_response(data, f"{complaint.reference}-{kept.kind.value}.pdf")


# --- Help: the company's complaint policy and the work instruction (seed 001) ----------------


@bp.get("/werkwijze")
def help_page():
    """The klachtenregeling as it is set, with the work instruction and phone script."""
    company = current_company()
    policy = services.policy_for(company)
    boss = dispatch.coordinator(company)
    return render_template(
        "complaints/help.html",
        company=company,
        policy=policy,
        coordinator=boss,
        categories=services.category_names(company),
        retention_days=ComplaintSettings.of().retention_days,
        instruction_text=instruction.text_for(policy)[0],
        instruction_own=instruction.text_for(policy)[1],
        can_edit=current_user.is_company_admin,
    )
