"""Beheer > E-mail: staff see what the portal sends; only admins retry or cancel.

Bodies are stored redacted (no personal link), bodies of mails to members' customers are not
shown at all, customers' addresses are masked, and every view of a body is audited.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from portal.core import outbox as engine
from portal.core.access import require_user
from portal.core.models import OutboxMessage, OutboxStatus
from portal.core.paging import page_arg
from portal.core.security import admin_required, staff_required
from portal.core.validation import add_error
from portal.extensions import db
from portal.outbox import services
from portal.outbox.forms import CancelForm, RetryForm

bp = Blueprint("staff_outbox", __name__)
PER_PAGE = 25
FILTERS = {
    "": None,
    "wacht": (OutboxStatus.PENDING, OutboxStatus.SENDING),
    "controle": (OutboxStatus.UNKNOWN, OutboxStatus.FAILED),
    "verzonden": (OutboxStatus.SENT, OutboxStatus.KEPT),
}


@bp.before_request
@staff_required
def _staff_only():
    """Staff and admin only; members get 404."""
    return None


def _message_or_404(message_id: int) -> OutboxMessage:
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    return message


@bp.get("")
def index():
    """Subjects, recipients (customers masked) and status; bodies only on the detail page."""
    status = request.args.get("status", "")
    if status not in FILTERS:
        status = ""
    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if wanted := FILTERS[status]:
        query = query.where(OutboxMessage.status.in_(wanted))
    page = db.paginate(query, page=page_arg(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "outbox/index.html",
        page=page,
        status=status,
        labels=engine.STATUS_LABELS,
        recipient=services.masked_recipient,
    )


def _detail(
    message: OutboxMessage, *, retry_form: RetryForm | None = None, status: int = 200
) -> ResponseReturnValue:
    user = require_user()
    body = services.body_for_staff(message)
    if body is not None:
        services.record_view(message, by=user)
        db.session.commit()
    return (
        render_template(
            "outbox/detail.html",
            message=message,
            body=body,
            labels=engine.STATUS_LABELS,
            recipient=services.masked_recipient(message),
            retry_form=retry_form or RetryForm(),
            cancel_form=CancelForm(),
            can_retry=message.status in services.RETRYABLE,
            in_doubt=message.status in services.IN_DOUBT,
            can_cancel=message.status in services.CANCELLABLE,
        ),
        status,
    )


@bp.get("/<int:message_id>")
def detail(message_id: int) -> ResponseReturnValue:
    """One message with its redacted body (the view is audited)."""
    return _detail(_message_or_404(message_id))


@bp.post("/<int:message_id>/opnieuw-versturen")
@admin_required
def retry(message_id: int) -> ResponseReturnValue:
    """Queue a failed or uncertain message again (admins only)."""
    message = _message_or_404(message_id)
    form = RetryForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.retry(message, by=require_user(), checked=form.checked.data)
    except services.OutboxError as exc:
        add_error(form.checked, str(exc))
        return _detail(message, retry_form=form, status=409)
    db.session.commit()
    flash(_("De e-mail staat weer klaar om te worden verstuurd."))
    return redirect(url_for("staff_outbox.detail", message_id=message_id), 303)


@bp.post("/<int:message_id>/annuleren")
@admin_required
def cancel(message_id: int) -> ResponseReturnValue:
    """Stop a message that has not gone out (admins only)."""
    message = _message_or_404(message_id)
    if not CancelForm().validate_on_submit():
        abort(400)
    try:
        services.cancel(message, by=require_user())
    except services.OutboxError as exc:
        flash(str(exc), "error")
        return redirect(url_for("staff_outbox.detail", message_id=message_id), 303)
    db.session.commit()
    flash(_("De e-mail is geannuleerd en wordt niet verstuurd."))
    return redirect(url_for("staff_outbox.detail", message_id=message_id), 303)
