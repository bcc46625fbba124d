"""Mijn profiel > Klanten uitnodigen: easy invite link and QR code, customer-list upload, sending."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from portal.agreements import services as agreements
from portal.core import concurrency
from portal.core.access import current_company, require_user
from portal.core.errors import render_error
from portal.core.forms import EmptyForm
from portal.core.htmx import render
from portal.core.logs import security_event
from portal.core.security import get_owned_or_404, member_required
from portal.core.uploads import MAX_BYTES
from portal.extensions import db, limiter
from portal.invitations import links, queries, services, settings
from portal.invitations.forms import ConfirmForm, UploadForm
from portal.invitations.models import InviteStatus, InviteUpload, UploadStatus

bp = Blueprint("invitations", __name__)
PREVIEW_ROWS = 50


@bp.before_request
@member_required
def _members_only():
    """Member users only (staff get 404)."""
    return None


def _company_key() -> str:
    return f"company:{getattr(current_user, 'company_id', '')}"


def _beheerder_only(view: Callable) -> Callable:
    """Customer lists are handled by the company's beheerder; others get a Dutch 403."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_company_admin:
            return view(*args, **kwargs)
        security_event("authz_denied", endpoint=request.endpoint, user=current_user.id)
        return render_error(
            403, _("Alleen de beheerder van uw bedrijf kan klantenlijsten uploaden en versturen.")
        )

    return wrapper


def _list_action(
    upload_id: str, action: Callable, done: Callable[[Any], str]
) -> tuple[InviteUpload, bool | None]:
    """Run `action` on one of the company's lists behind the CSRF-only EmptyForm.

    Commits and flashes `done(result)` on success; a refusal is flashed as a warning.
    Returns the list and True (done), False (refused) or None (invalid form).
    """
    item = get_owned_or_404(InviteUpload, upload_id)
    if not EmptyForm().validate_on_submit():
        return item, None
    try:
        result = action(item, by=require_user())
    except services.InvitationError as exc:
        flash(exc.message, "warning")
        return item, False
    db.session.commit()
    flash(done(result), "success")
    return item, True


@bp.get("/")
def index():
    """Easy invite link with copy button and QR code; the upload form when allowed."""
    return _index_page(UploadForm())


def _index_page(form: UploadForm, status: int = 200, problem: str = "") -> ResponseReturnValue:
    company = current_company()
    return render(
        "invitations/index.html",
        "invitations/_upload_form.html",
        target="invite-upload",
        status=status,
        company=company,
        invite_url=services.easy_invite_url(company),
        blockers=services.upload_blockers(company),
        agreement=agreements.state_for(company),
        form=form,
        problem=problem,
        uploads=queries.uploads_for(company),
        can_upload=current_user.is_company_admin,
        retention_days=settings.retention_days(current_app.config),
        dedupe_days=settings.dedupe_days(current_app.config),
        max_rows=settings.max_rows(current_app.config),
    )


def _qr_response(kind: str) -> Response:
    url = services.easy_invite_url(current_company())
    if not url:
        abort(404)
    data, mimetype = (
        (links.qr_svg(url), "image/svg+xml") if kind == "svg" else (links.qr_png(url), "image/png")
    )
    response = Response(data, mimetype=mimetype)
    if request.args.get("download"):
        response.headers["Content-Disposition"] = (
            f'attachment; filename="uitnodigingslink-qr.{kind}"'
        )
    return response


@bp.get("/qr.png")
def qr_png():
    """The QR code of the easy invite link as PNG (inline, or a download with ?download=1)."""
    return _qr_response("png")


@bp.get("/qr.svg")
def qr_svg():
    """The QR code as SVG, always as a download."""
    response = _qr_response("svg")
    response.headers["Content-Disposition"] = 'attachment; filename="uitnodigingslink-qr.svg"'
    return response


@bp.post("/uploaden")
@limiter.limit("10/hour", key_func=_company_key, methods=["POST"])
@_beheerder_only
def upload():
    """Parse a customer list into a preview; the file is never stored."""
    form = UploadForm()
    problem = ""
    if form.validate_on_submit():
        problems: list[str] = []
        url = concurrency.create_once(lambda: _create_upload(form, problems))
        if url is not None:  # a repeated submit: the preview the first one made
            return redirect(url, 303)
        problem = problems[0] if problems else ""
    return _index_page(form, status=422, problem=problem)


def _create_upload(form: UploadForm, problems: list[str]) -> str | None:
    """The service call of `upload`: the preview's URL, or None with the problem noted."""
    stream = form.file.data
    data = stream.read(MAX_BYTES + 1)
    try:
        item = services.create_upload(
            current_company(),
            by=require_user(),
            data=data,
            filename=stream.filename or "",
            delay_days=int(form.delay.data),
        )
    except services.InvitationError as exc:
        problems.append(exc.message)
        return None
    finally:
        del data
    return url_for("invitations.detail", upload_id=item.public_id)


@bp.get("/lijsten/<upload_id>")
def detail(upload_id: str) -> ResponseReturnValue:
    """Preview before sending, then progress and per-row results; htmx polls the progress."""
    item = get_owned_or_404(InviteUpload, upload_id)
    return _detail_page(item, ConfirmForm(data={"delay": str(item.delay_days)}))


def _detail_page(
    item: InviteUpload, form: ConfirmForm, status: int = 200, problem: str = ""
) -> ResponseReturnValue:
    progress = queries.progress(item)
    return render(
        "invitations/detail.html",
        "invitations/_progress.html",
        target="invite-progress",
        status=status,
        item=item,
        progress=progress,
        preview=[i for i in item.invitations[:PREVIEW_ROWS]]
        if item.status is UploadStatus.PREVIEW
        else [],
        problems=queries.problem_rows(item),
        form=form,
        action_form=EmptyForm(),
        problem=problem,
        can_act=current_user.is_company_admin,
        statuses=InviteStatus,
    )


@bp.post("/lijsten/<upload_id>/versturen")
@_beheerder_only
def confirm(upload_id: str) -> ResponseReturnValue:
    """Queue the previewed invitations for sending."""
    item = get_owned_or_404(InviteUpload, upload_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            count = services.confirm(item, by=require_user(), delay_days=int(form.delay.data))
        except services.InvitationError as exc:
            return _detail_page(item, form, 422, exc.message)
        db.session.commit()
        flash(_("%(n)s uitnodigingen staan klaar om te worden verstuurd.", n=count), "success")
        return redirect(url_for("invitations.detail", upload_id=item.public_id), 303)
    return _detail_page(item, form, 422)


@bp.post("/lijsten/<upload_id>/opnieuw")
@_beheerder_only
def retry(upload_id: str) -> ResponseReturnValue:
    """Queue the failed rows again (rows with an unknown outcome stay as they are)."""
    item, _done = _list_action(
        upload_id,
        services.retry_failed,
        lambda count: _("%(n)s uitnodigingen worden opnieuw verstuurd.", n=count),
    )
    return redirect(url_for("invitations.detail", upload_id=item.public_id), 303)


@bp.post("/lijsten/<upload_id>/verwijderen")
@_beheerder_only
def remove(upload_id: str) -> ResponseReturnValue:
    """Delete the list and its customer data now (cancel a preview, or clean up early)."""
    item, done = _list_action(
        upload_id,
        services.delete_upload,
        lambda _result: _("De lijst en alle klantgegevens erin zijn verwijderd."),
    )
    if done is False:
        return redirect(url_for("invitations.detail", upload_id=item.public_id), 303)
    return redirect(url_for("invitations.index"), 303)


@bp.app_template_global()
def invite_status_label(status: str) -> str:
    """Dutch label of an invitation status."""
    labels = {
        "preview": _("voorbeeld"), "pending": _("in de wachtrij"), "sending": _("wordt verstuurd"),
        "sent": _("verstuurd"), "failed": _("mislukt"), "unknown": _("onbekend"), "skipped": _("overgeslagen"),
    }  # fmt: skip
    return labels.get(str(getattr(status, "value", status)), str(status))
