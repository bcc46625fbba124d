"""Staff pages for importing the member register: upload, preview, confirm."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.core.access import require_user
from portal.core.logs import security_event
from portal.core.security import staff_required
from portal.core.templating import nl_date
from portal.core.uploads import UploadError, parse_upload
from portal.core.validation import add_error
from portal.extensions import db
from portal.members import importer
from portal.members.forms_import import ConfirmImportForm, RegisterUploadForm
from portal.members.importer_rows import COLUMNS, REQUIRED, ImportFileError
from portal.members.labels import membership_status_label
from portal.members.models import Recognition, Specialism
from portal.members.models_import import ImportBatch, ImportStatus

bp = Blueprint("staff_import", __name__)
SHOWN = 200  # rows per kind listed on the preview page


@bp.before_request
@staff_required
def _staff_only():
    """Staff and admin only; members and anonymous users get 404 or the login page."""
    return None


def _form_page(form: RegisterUploadForm, status: int = 200) -> ResponseReturnValue:
    columns = [(str(label), name in REQUIRED) for name, (label, _v, _m) in COLUMNS.items()]
    return render_template("members/import.html", form=form, columns=columns), status


@bp.get("/")
def upload():
    """The upload form with the expected columns."""
    return _form_page(RegisterUploadForm())


@bp.post("/")
def upload_post():
    """Parse and validate the file, keep the rows as a batch and show its preview."""
    form = RegisterUploadForm()
    if not form.validate_on_submit():
        return _form_page(form, 422)
    storage = form.file.data
    data = storage.stream.read(importer.MAX_BYTES + 1)
    try:
        table = parse_upload(
            data,
            storage.filename or "",
            max_bytes=importer.MAX_BYTES,
            max_rows=importer.MAX_ROWS,
            max_columns=importer.MAX_COLUMNS,
        )
        batch = importer.create_batch(table, filename=storage.filename or "", by=require_user())
    except UploadError as exc:
        security_event(
            "upload_rejected", kind="member_register", reason=exc.code, user=current_user.id
        )
        add_error(form.file, exc.message)
        return _form_page(form, 422)
    except ImportFileError as exc:
        security_event(
            "upload_rejected", kind="member_register", reason="columns", user=current_user.id
        )
        add_error(form.file, str(exc))
        return _form_page(form, 422)
    db.session.commit()
    return redirect(url_for(".preview", batch_id=batch.id), 303)


def _batch_or_404(batch_id: str) -> ImportBatch:
    """A batch of the current staff user; anyone else's looks missing."""
    batch = db.session.scalars(
        select(ImportBatch).where(
            ImportBatch.id == batch_id, ImportBatch.created_by_id == current_user.id
        )
    ).first()
    if batch is None:
        abort(404)
    return batch


@bp.get("/<batch_id>")
def preview(batch_id: str) -> ResponseReturnValue:
    """Counts and per-row errors and changes; the confirm button only when nothing is wrong."""
    batch = _batch_or_404(batch_id)
    if batch.status is ImportStatus.APPLIED:
        flash(_("Deze import is al verwerkt."))
        return redirect(url_for("staff_members.index"), 303)
    if importer.is_expired(batch):
        flash(_("De voorvertoning is verlopen. Upload het bestand opnieuw."), "warning")
        return redirect(url_for(".upload"), 303)
    plan = importer.build_plan(batch)
    return render_template(
        "members/import_preview.html",
        batch=batch,
        plan=plan,
        counts=plan.counts,
        form=ConfirmImportForm(),
        shown=SHOWN,
        labels={name: str(label) for name, label in importer.FIELD_LABELS.items()},
        expires=nl_date(batch.expires_at, with_time=True),
        describe=_describe_factory(),
    )


def _describe_factory():
    """A template helper showing an imported value the way staff read it."""
    names = {
        "specialisms": {s.slug: s.name for s in db.session.scalars(select(Specialism))},
        "recognitions": {r.slug: r.name for r in db.session.scalars(select(Recognition))},
    }

    def describe(field: str, value: Any) -> str:
        if value in (None, "", []):
            return "–"
        if field in names:
            return ", ".join(names[field].get(slug, slug) for slug in value)
        if field == "membership_status":
            return membership_status_label(value)
        if field in ("member_since", "membership_ended_on"):
            return nl_date(date.fromisoformat(value))
        return str(value)

    return describe


@bp.post("/<batch_id>/bevestigen")
def confirm(batch_id: str) -> ResponseReturnValue:
    """Apply the batch in one transaction; a second confirmation imports nothing."""
    batch = _batch_or_404(batch_id)
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        summary = importer.apply_batch(batch, by=require_user())
    except importer.ImportStateError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("staff_members.index"), 303)
    db.session.commit()
    flash(
        _(
            "Het ledenregister is geïmporteerd: %(created)s nieuw, %(updated)s gewijzigd, "
            "%(unchanged)s ongewijzigd.",
            **summary,
        )
    )
    return redirect(url_for("staff_members.index"), 303)
