"""Berichten: the mails the portal sent to the member's company (reminders, decisions, letters).

Bodies are stored without secrets; customers' addresses are masked as on the staff pages.
"""

from __future__ import annotations

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue

from portal.core.access import current_company
from portal.core.logs import security_event
from portal.core.paging import page_arg
from portal.extensions import db
from portal.outbox import services
from portal.profile.routes.blueprint import bp

PER_PAGE = 25


@bp.get("/berichten")
def messages():
    """The company's mails, newest first: subject, recipient (customers masked), status."""
    company = current_company()
    page = db.paginate(
        services.member_messages_query(company.id),
        page=page_arg(),
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template(
        "profile/messages.html",
        company=company,
        page=page,
        labels=services.MEMBER_STATUS_LABELS,
        recipient=services.masked_recipient,
    )


@bp.get("/berichten/<int:message_id>")
def message(message_id: int) -> ResponseReturnValue:
    """One mail with its text (or a note that the text was removed after the retention period).

    :raises NotFound: another company's mail, a personal-link mail, or an unknown id.
    """
    company = current_company()
    item = services.member_message(company.id, message_id)
    if item is None:  # missing and another company's look the same, like get_owned_or_404
        security_event("authz_denied", model="OutboxMessage", endpoint=request.endpoint)
        abort(404)
    return render_template(
        "profile/message.html",
        company=company,
        message=item,
        labels=services.MEMBER_STATUS_LABELS,
        recipient=services.masked_recipient(item),
    )
