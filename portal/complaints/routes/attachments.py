"""Attachments on a complaint: upload, download and removal (the company's own users only)."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from portal.complaints import attachments
from portal.complaints.forms_extra import AttachmentForm
from portal.complaints.models import Complaint
from portal.complaints.models_extra import ComplaintAttachment
from portal.complaints.routes.blueprint import bp
from portal.complaints.routes.cases import show_page
from portal.complaints.services import ComplaintError
from portal.core import concurrency
from portal.core.access import require_user
from portal.core.attachments import download_response
from portal.core.forms import EmptyForm
from portal.core.logs import security_event
from portal.core.security import get_owned_or_404
from portal.extensions import db, limiter


def _company_key() -> str:
    return f"complaint-files:{getattr(current_user, 'company_id', '')}"


@bp.post("/<public_id>/bijlagen")
@limiter.limit("60/hour", key_func=_company_key)
def attachment_add(public_id: str) -> ResponseReturnValue:
    """Attach a photo or document; 422 with a Dutch reason when the file is refused."""
    complaint = get_owned_or_404(Complaint, public_id)
    form = AttachmentForm()
    if not form.validate_on_submit() or form.checked is None:
        if form.file.errors:
            security_event("upload_refused", kind="complaint_attachment")
        return show_page(complaint, status=422, attachment_form=form)
    checked = form.checked

    def create() -> str | None:
        try:
            attachments.add(complaint, checked, by=require_user())
        except ComplaintError as exc:
            form.file.errors = [str(exc)]
            return None
        flash(_("Bijlage toegevoegd."))
        return url_for("complaints.show", public_id=complaint.public_id, _anchor="files-title")

    url = concurrency.create_once(create)
    if url is None:
        return show_page(complaint, status=422, attachment_form=form)
    return redirect(url, 303)


@bp.get("/bijlagen/<public_id>")
def attachment_download(public_id: str) -> ResponseReturnValue:
    """The stored file as a download (never shown inline); audited."""
    attachment = get_owned_or_404(ComplaintAttachment, public_id)
    attachments.record_download(attachment, by=require_user())
    db.session.commit()
    return download_response(attachment.filename, attachment.mime, attachment.data)


@bp.post("/bijlagen/<public_id>/verwijderen")
def attachment_remove(public_id: str) -> ResponseReturnValue:
    """Delete an attachment; back to the complaint."""
    attachment = get_owned_or_404(ComplaintAttachment, public_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    complaint_id = attachment.complaint.public_id
    attachments.remove(attachment, by=require_user())
    db.session.commit()
    flash(_("Bijlage verwijderd."))
    return redirect(url_for("complaints.show", public_id=complaint_id, _anchor="files-title"), 303)
