"""Privacy statement (public) and Mijn gegevens: export (JSON, CSV, HTML), correction, erasure request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from portal.config import ComplaintSettings, MailSettings, ObservabilitySettings
from portal.core import association, concurrency
from portal.core.access import require_user
from portal.extensions import db
from portal.invitations import settings as invite_settings
from portal.privacy import erasure, rights, services
from portal.privacy.customer_data import customer_data as build_customer_data
from portal.privacy.customer_data import record_download as record_customer_download
from portal.privacy.export import build_export, to_csv, to_json
from portal.privacy.forms import ErasureRequestForm, RightRequestForm
from portal.privacy.models import RequestKind
from portal.privacy.purges import LOG_DAYS
from portal.privacy.versions import RECORDS_VERSION, STATEMENT_VERSION

if TYPE_CHECKING:
    from portal.auth.models import User

bp = Blueprint("privacy", __name__)


@bp.get("/privacy")
def statement():
    """The privacy statement in plain Dutch."""
    return render_template("privacy/statement.html", **statement_context())


def statement_context() -> dict:
    """What the statement's template gets besides the app's context: its version, and the
    wording that comes from code and configuration (portal/privacy/reader_text.py renders it
    under a reference configuration for the version's digest)."""
    config = current_app.config
    return dict(
        version=STATEMENT_VERSION,
        records_version=RECORDS_VERSION,
        retention_days=invite_settings.retention_days(config),
        complaint_retention_days=ComplaintSettings.read(config).retention_days,
        contact=config["PRIVACY_CONTACT_EMAIL"],
        mail_days=MailSettings.read(config).retention_days,
        log_days=LOG_DAYS,
        subprocessors=association.public_subprocessors(config),
        error_tracking=bool(ObservabilitySettings.read(config).sentry_dsn),
        outside_eea=association.outside_eea(config),
    )


@bp.get("/mijn-profiel/mijn-gegevens")
@login_required
def mine():
    """What the portal holds, downloads, correction links and the erasure request."""
    return _mine_page(ErasureRequestForm())


def _mine_page(
    form: ErasureRequestForm, status: int = 200, right_form: RightRequestForm | None = None
) -> ResponseReturnValue:
    user = require_user()
    return (
        render_template(
            "privacy/mine.html",
            user=user,
            form=form,
            right_form=right_form or RightRequestForm(formdata=None),
            preview=erasure.company_erasure_preview(user.company)
            if user.company and user.is_company_admin
            else None,
            open_rights=[
                r for k in rights.SELF_SERVICE_KINDS if (r := services.pending_request(user, k))
            ],
            pending=services.open_erasure_request(user),
            data=build_export(user),
        ),
        status,
    )


def _download(body: str | bytes, *, fmt: str, mimetype: str) -> Response:
    """Audit the self-service export, commit, and send it as an attachment."""
    services.record_export(require_user(), fmt)
    db.session.commit()
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="mijn-gegevens.{fmt}"'},
    )


@bp.get("/mijn-profiel/mijn-gegevens/export.json")
@login_required
def export_json():
    """All data about the user and their company as JSON (portability)."""
    return _download(to_json(build_export(require_user())), fmt="json", mimetype="application/json")


@bp.get("/mijn-profiel/mijn-gegevens/export.csv")
@login_required
def export_csv():
    """The same data as one CSV table (portability), spreadsheet formulas neutralised."""
    return _download(to_csv(build_export(require_user())), fmt="csv", mimetype="text/csv")


@bp.get("/mijn-profiel/mijn-gegevens/export.html")
@login_required
def export_html():
    """The same data as a readable, printable HTML page (download)."""
    body = render_template("privacy/export.html", data=build_export(require_user()))
    return _download(body, fmt="html", mimetype="text/html")


@bp.get("/mijn-profiel/mijn-gegevens/klantgegevens.<fmt>")
@login_required
def customer_data(fmt: str) -> ResponseReturnValue:
    """Delete-or-return: all customer data held for the user's company (beheerder only).

    Not behind the agreement gate: returning the data must work whatever the agreement's state.

    :raises NotFound: an unknown format, or a user without a company.
    :raises Forbidden: a medewerker (the company's beheerder decides about its customer data).
    """
    user = require_user()
    if fmt not in ("json", "csv") or user.company is None:
        abort(404)
    if not user.is_company_admin:
        abort(403)
    data = build_customer_data(user.company)
    body = to_json(data) if fmt == "json" else to_csv(data)
    record_customer_download(user.company, by=user, fmt=fmt)
    db.session.commit()
    return Response(
        body,
        mimetype="application/json" if fmt == "json" else "text/csv",
        headers={"Content-Disposition": f'attachment; filename="klantgegevens.{fmt}"'},
    )


@bp.post("/mijn-profiel/mijn-gegevens/bezwaar")
@login_required
def request_right():
    """File an objection or a restriction request (arts. 18 and 21); answered within a month."""
    user = require_user()
    form = RightRequestForm()
    if form.validate_on_submit():
        url = concurrency.create_once(lambda: _file_right(user, form))
        if url is not None:
            return redirect(url, 303)
    return _mine_page(ErasureRequestForm(formdata=None), 422, right_form=form)


def _file_right(user: User, form: RightRequestForm) -> str | None:
    try:
        rights.request_right(user, RequestKind(form.kind.data), message=form.message.data or "")
    except services.PrivacyError as exc:
        form.message.errors = [exc.message]
        return None
    flash(_("Uw verzoek is ontvangen. Wij behandelen het binnen een maand."), "success")
    return url_for("privacy.mine")


@bp.post("/mijn-profiel/mijn-gegevens/verwijderen")
@login_required
def request_erasure():
    """File an erasure request; staff carry it out within a month."""
    user = require_user()
    form = ErasureRequestForm()
    if form.validate_on_submit():
        url = concurrency.create_once(lambda: _file_erasure(user, form))
        if url is not None:  # a repeated submit files one request and lands here too
            return redirect(url, 303)
    return _mine_page(form, 422)


def _file_erasure(user: User, form: ErasureRequestForm) -> str | None:
    """The service call of `request_erasure`: the page's URL, or None with the field error."""
    try:
        services.request_erasure(
            user, message=form.message.data or "", whole_company=form.whole_company.data
        )
    except services.PrivacyError as exc:
        form.confirm.errors = [exc.message]
        return None
    flash(
        _(
            "Uw verzoek is ontvangen. Wij behandelen het binnen een maand en sturen u een bevestiging."
        ),
        "success",
    )
    return url_for("privacy.mine")
