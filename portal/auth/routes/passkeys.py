"""Passkey routes: manage them under Account, log in with one, or use one as second step."""

from __future__ import annotations

from collections.abc import Sequence

from flask import (
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from portal.auth import passkeys, services, sessions
from portal.auth.passkey_forms import AddPasskeyForm, PasskeyLoginForm, PasskeyNameForm
from portal.auth.routes.blueprint import bp
from portal.auth.routes.login import landing, pending_user
from portal.config import OidcSettings
from portal.core import audit
from portal.core.access import require_user
from portal.core.forms import EmptyForm
from portal.core.security import safe_next
from portal.core.validation import add_error
from portal.extensions import db, limiter


def _json(options: str) -> Response:
    response = jsonify()
    response.set_data(options)
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(
    status: int = 200,
    add_form: AddPasskeyForm | None = None,
    rename_errors: dict[str, Sequence[str]] | None = None,
) -> ResponseReturnValue:
    user = require_user()
    return render_template(
        "auth/passkeys.html",
        user=user,
        passkeys=passkeys.for_user(user),
        add_form=add_form or AddPasskeyForm(),
        rename_form=PasskeyNameForm(),
        remove_form=EmptyForm(),
        rename_errors=rename_errors or {},
    ), status


def _own_passkey(public_id: str) -> passkeys.Passkey:
    """One of the current user's passkeys.

    :raises NotFound: not a passkey of this user.
    """
    user = require_user()
    row = db.session.scalars(
        select(passkeys.Passkey).where(
            passkeys.Passkey.public_id == public_id, passkeys.Passkey.user_id == user.id
        )
    ).first()
    if row is None:
        abort(404)
    return row


@bp.get("/account/passkeys")
@login_required
def passkey_list():
    """The user's passkeys: add, rename, remove."""
    return _page()


@bp.post("/account/passkeys/opties")
@login_required
@limiter.limit("30/hour", methods=["POST"])
def passkey_register_options():
    """Options for the browser to create a passkey (JSON, fetched by static/passkeys.js)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _json(passkeys.registration_options(require_user()))


@bp.post("/account/passkeys")
@login_required
@limiter.limit("30/hour", methods=["POST"])
def passkey_add():
    """Store a new passkey; a staff session without a second factor becomes verified by it."""
    user = require_user()
    form = AddPasskeyForm()
    if form.validate_on_submit():
        try:
            credential = passkeys.parse_credential(form.credential.data or "")
            passkeys.register(user, credential, form.name.data or "")
        except passkeys.PasskeyError as exc:
            add_error(form.name, str(exc))
        else:
            row = g.get("user_session")
            if row is not None and not row.mfa_verified:
                sessions.revoke_all(user)
                services.complete_login(user, remember=False, mfa_verified=True)
            db.session.commit()
            flash(_("Uw passkey is toegevoegd."))
            return redirect(url_for("auth.passkey_list"), 303)
    db.session.rollback()
    return _page(422, add_form=form)


@bp.post("/account/passkeys/<public_id>/naam")
@login_required
def passkey_rename(public_id: str) -> ResponseReturnValue:
    """Give a passkey another name.

    :raises NotFound: not a passkey of this user.
    """
    row = _own_passkey(public_id)
    form = PasskeyNameForm()
    if form.validate_on_submit():
        audit.record(
            "auth.passkey_renamed",
            actor=require_user(),
            subject=row,
            changes={"name": {"old": row.name, "new": form.name.data}},
        )
        row.name = form.name.data or ""
        db.session.commit()
        flash(_("De naam is gewijzigd."))
        return redirect(url_for("auth.passkey_list"), 303)
    return _page(422, rename_errors={row.public_id: form.name.errors})


@bp.post("/account/passkeys/<public_id>/verwijderen")
@login_required
def passkey_remove(public_id: str) -> ResponseReturnValue:
    """Remove a passkey; it no longer logs in anywhere.

    :raises NotFound: not a passkey of this user.
    """
    row = _own_passkey(public_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = require_user()
    audit.record(
        "auth.passkey_removed",
        actor=user,
        subject=row,
        changes={"name": {"old": row.name, "new": None}},
    )
    db.session.delete(row)
    db.session.commit()
    flash(_("De passkey is verwijderd."))
    return redirect(url_for("auth.passkey_list"), 303)


@bp.post("/inloggen/passkey/opties")
@limiter.limit("20/minute", methods=["POST"])
def passkey_login_options():
    """Options for logging in with any passkey of this site (JSON)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    return _json(passkeys.authentication_options("login"))


@bp.post("/inloggen/passkey")
@limiter.limit("5/minute;30/hour", methods=["POST"])
def passkey_login():
    """Log in with a passkey: user verification on the device makes it two factors."""
    form = PasskeyLoginForm()
    next_url = safe_next(request.form.get("next"))
    if form.validate_on_submit():
        try:
            user = passkeys.authenticate(
                "login", passkeys.parse_credential(form.credential.data or "")
            )
        except passkeys.PasskeyError as exc:
            flash(str(exc), "error")
        else:
            if user.is_staff and not OidcSettings.of().staff_password_login:
                # Staff access follows the IdP's groups, which only an SSO login reads: a passkey
                # alone must not outlive a removal from the staff group (it stays a second step).
                flash(
                    _("Medewerkers van de vereniging loggen in met hun verenigingsaccount."),
                    "error",
                )
                return redirect(url_for("auth.login"), 303)
            services.complete_login(user, remember=False, mfa_verified=True)
            audit.record("auth.passkey_login", actor=user, subject=user)
            db.session.commit()
            return redirect(next_url or landing(user), 303)
    return redirect(url_for("auth.login"), 303)


@bp.post("/inloggen/code/passkey/opties")
@limiter.limit("20/minute", methods=["POST"])
def passkey_step_options():
    """Options for the second login step with one of the pending user's passkeys (JSON)."""
    user = pending_user()
    if user is None or not EmptyForm().validate_on_submit():
        abort(400)
    return _json(passkeys.authentication_options("step", user))


@bp.post("/inloggen/code/passkey")
@limiter.limit("5/minute;30/hour", methods=["POST"])
def passkey_step():
    """Finish the second login step with a passkey instead of a TOTP code."""
    user = pending_user()
    if user is None:
        flash(_("Log opnieuw in; de inlogpoging is verlopen."), "warning")
        return redirect(url_for("auth.login"), 303)
    form = PasskeyLoginForm()
    if form.validate_on_submit():
        try:
            passkeys.authenticate(
                "step", passkeys.parse_credential(form.credential.data or ""), user
            )
        except passkeys.PasskeyError as exc:
            flash(str(exc), "error")
        else:
            next_url, sso = session.get("mfa_next"), session.get("mfa_sso", False)
            services.complete_login(user, remember=False, mfa_verified=True)
            session["sso"] = sso
            db.session.commit()
            return redirect(safe_next(next_url) or landing(user), 303)
    return redirect(url_for("auth.code"), 303)
