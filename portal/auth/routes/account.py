"""Account pages: own name and e-mail address, password change, sessions, second factor."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.auth import mfa, rectification, services, sessions
from portal.auth.forms import (
    ChangePasswordForm,
    ConfirmPasswordForm,
    EmailChangeForm,
    EnrolMfaForm,
    NameForm,
    TokenForm,
)
from portal.auth.models import UserSession
from portal.auth.passwords import verify_password
from portal.auth.routes.blueprint import bp
from portal.core import audit
from portal.core.access import require_user
from portal.core.forms import EmptyForm
from portal.core.validation import add_error
from portal.extensions import db, limiter


def _account_page(status: int = 200, **forms: Any) -> ResponseReturnValue:
    user = require_user()
    disable_form = forms.get("disable_form") or ConfirmPasswordForm()
    # Two password fields on one page: the 2FA-off one gets its own id (labels, error links).
    disable_form.password.id = "mfa-off-password"
    ctx = {
        "password_form": forms.get("password_form") or ChangePasswordForm(),
        "disable_form": disable_form,
        "name_form": forms.get("name_form") or NameForm(formdata=None, name=user.name),
        "email_form": forms.get("email_form") or EmailChangeForm(formdata=None),
        "may_change_email": rectification.may_change_email(user),
        "pending_email": getattr(rectification.pending_change(user), "new_email", None),
        "end_form": EmptyForm(),
        "sessions": sessions.live_sessions(user),
        "current_session_id": getattr(g.get("user_session"), "id", None),
        "user": user,
    }
    return render_template("auth/account.html", **ctx), status


@bp.get("/account")
@login_required
def account():
    """Account overview."""
    return _account_page()


@bp.post("/account/naam")
@login_required
@limiter.limit("10/hour", methods=["POST"])
def change_name() -> ResponseReturnValue:
    """Correct one's own name; it takes effect at once."""
    user = require_user()
    form = NameForm()
    if form.validate_on_submit():
        try:
            changed = rectification.change_name(user, form.name.data or "")
        except services.AccountError as exc:
            add_error(form.name, str(exc))
        else:
            db.session.commit()
            flash(_("Uw naam is gewijzigd.") if changed else _("Uw naam was al zo."))
            return redirect(url_for("auth.account"), 303)
    return _account_page(422, name_form=form)


@bp.post("/account/e-mailadres")
@login_required
@limiter.limit("5/hour", methods=["POST"])
@limiter.limit("5/hour", key_func=lambda: f"email-change:{current_user.get_id()}", methods=["POST"])
def change_email() -> ResponseReturnValue:
    """Ask to change the address: a link to the new address, a notice to the old one.

    The answer is the same whether or not the new address already has an account.
    """
    user = require_user()
    form = EmailChangeForm()
    if form.validate_on_submit():
        try:
            rectification.check_reauth(
                user, form.current_password.data or "", g.get("user_session")
            )
        except services.AccountError as exc:
            add_error(form.current_password, str(exc))
        else:
            try:
                rectification.request_email_change(user, form.new_email.data or "")
            except services.AccountError as exc:
                add_error(form.new_email, str(exc))
            else:
                db.session.commit()
                flash(
                    _(
                        "Wij hebben een bevestigingslink gestuurd naar het nieuwe adres (als dat "
                        "kan). Uw e-mailadres verandert pas als u op die link klikt; de link "
                        "werkt 24 uur."
                    )
                )
                return redirect(url_for("auth.account"), 303)
    return _account_page(422, email_form=form)


@bp.post("/account/e-mailadres/intrekken")
@login_required
def cancel_email_change() -> ResponseReturnValue:
    """Withdraw a pending change: its link stops working."""
    user = require_user()
    if not EmptyForm().validate_on_submit():
        abort(400)
    if rectification.cancel_pending(user):
        audit.record(
            "account.email_change_cancelled",
            actor=user,
            company=user.company,
            subject=user,
        )
        db.session.commit()
        flash(_("De wijziging van uw e-mailadres is ingetrokken."))
    return redirect(url_for("auth.account"), 303)


def _email_confirm_page(raw: str) -> ResponseReturnValue:
    """Confirm page of the e-mailed link; the token moves from the URL into the form body.

    GET changes nothing (a mail scanner may open links); the button posts the token.
    """
    g.referrer_policy = "no-referrer"
    g.no_store = True
    row = rectification.tokens.peek(raw, rectification.TokenPurpose.EMAIL)
    if row is None or not row.new_email:
        return render_template("auth/token_invalid.html"), 404
    form = TokenForm()
    if request.method == "GET":
        form.token.data = raw
        return render_template("auth/email_confirm.html", form=form, new_email=row.new_email)
    if not form.validate_on_submit():
        abort(400)
    keep = getattr(g.get("user_session"), "id", None)
    if not (current_user.is_authenticated and current_user.id == row.user_id):
        keep = None
    try:
        user = rectification.confirm_email_change(raw, keep_session_id=keep)
    except (services.AccountError, IntegrityError) as exc:
        db.session.rollback()
        if isinstance(exc, services.AccountError):
            rectification.cancel_pending(row.user)
            db.session.commit()
        message = (
            str(exc)
            if isinstance(exc, services.AccountError)
            else _("Dit e-mailadres is inmiddels al in gebruik; vraag een ander aan.")
        )
        return render_template(
            "auth/email_confirm.html", form=form, new_email=None, error=message
        ), 409
    if user is None:
        return render_template("auth/token_invalid.html"), 404
    db.session.commit()
    flash(_("Uw e-mailadres is gewijzigd. U logt voortaan in met het nieuwe adres."))
    if keep is not None:
        return redirect(url_for("auth.account"), 303)
    return redirect(url_for("auth.login"), 303)


@bp.get("/e-mailadres-bevestigen/<token>")
def email_confirm(token: str) -> ResponseReturnValue:
    """The link sent to the new address: a page with one button."""
    return _email_confirm_page(token)


@bp.post("/e-mailadres-bevestigen")
@limiter.limit("20/hour")
def email_confirm_post() -> ResponseReturnValue:
    """Confirm the new address; the token comes in the form body."""
    return _email_confirm_page(request.form.get("token", ""))


def _email_withdraw_page(raw: str) -> ResponseReturnValue:
    """ "This wasn't me" from the notice to the old address; GET changes nothing, the button
    posts the token (a mail scanner may open links)."""
    g.referrer_policy = "no-referrer"
    g.no_store = True
    if rectification.tokens.peek(raw, rectification.TokenPurpose.WITHDRAW) is None:
        return render_template("auth/token_invalid.html"), 404
    form = TokenForm()
    if request.method == "GET":
        form.token.data = raw
        return render_template("auth/email_withdraw.html", form=form, outcome=None)
    if not form.validate_on_submit():
        abort(400)
    result = rectification.withdraw_by_link(raw)
    if result is None:
        return render_template("auth/token_invalid.html"), 404
    user, outcome = result
    db.session.commit()
    if current_user.is_authenticated and current_user.id == user.id:
        logout_user()  # this browser's session ended with the others
        session.clear()
    return render_template("auth/email_withdraw.html", form=None, outcome=outcome, account=user)


@bp.get("/e-mailadres-intrekken/<token>")
def email_withdraw(token: str) -> ResponseReturnValue:
    """The link in the notice to the old address: a page with one button."""
    return _email_withdraw_page(token)


@bp.post("/e-mailadres-intrekken")
@limiter.limit("20/hour")
def email_withdraw_post() -> ResponseReturnValue:
    """Stop the change and end every session; the token comes in the form body."""
    return _email_withdraw_page(request.form.get("token", ""))


@bp.post("/account/wachtwoord")
@login_required
@limiter.limit("10/hour", methods=["POST"])
def change_password():
    """Change the password; every other session ends, this one is renewed."""
    user = require_user()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        ok, _rehash = verify_password(user.password_hash, form.current.data or "")
        if not ok:
            add_error(form.current, _("Uw huidige wachtwoord klopt niet."))
        else:
            try:
                services.set_password(user, form.password.data or "", form.confirm.data or "")
            except services.AccountError as exc:
                add_error(form.password, str(exc))
            else:
                services.complete_login(user, remember=False, mfa_verified=True)
                db.session.commit()
                flash(_("Uw wachtwoord is gewijzigd. Andere apparaten zijn uitgelogd."))
                return redirect(url_for("auth.account"), 303)
    return _account_page(422, password_form=form)


@bp.post("/account/sessies/<int:session_id>/beeindigen")
@login_required
def end_session(session_id: int) -> ResponseReturnValue:
    """End one of the user's own sessions.

    :raises NotFound: not a session of this user.
    """
    user = require_user()
    form = EmptyForm()
    row = db.session.scalars(
        select(UserSession).where(UserSession.id == session_id, UserSession.user_id == user.id)
    ).first()
    if row is None or not form.validate_on_submit():
        abort(404)
    row.revoked_at = sessions.utcnow()
    audit.record("auth.session_ended", actor=user, subject=row)
    db.session.commit()
    flash(_("De sessie is beëindigd."))
    return redirect(url_for("auth.account"), 303)


@bp.get("/account/tweestapsverificatie")
@login_required
def mfa_setup():
    """Enrolment page: QR code and manual key for a new TOTP seed."""
    user = require_user()
    if user.mfa_enabled and g.get("user_session") is not None and g.user_session.mfa_verified:
        return redirect(url_for("auth.account"))
    secret = session.get("mfa_pending_secret") or mfa.new_secret()
    session["mfa_pending_secret"] = secret
    return render_template(
        "auth/mfa_setup.html",
        form=EnrolMfaForm(),
        qr=mfa.provisioning_qr(user, secret),
        secret=secret,
    )


@bp.post("/account/tweestapsverificatie")
@login_required
@limiter.limit("10/hour", methods=["POST"])
def mfa_enable():
    """Confirm the first code, store the seed and show the recovery codes once."""
    user = require_user()
    secret = session.get("mfa_pending_secret")
    form = EnrolMfaForm()
    if not secret:
        return redirect(url_for("auth.mfa_setup"), 303)
    if form.validate_on_submit():
        step = mfa.check_code(secret, form.code.data or "", None)
        if step is not None:
            codes = mfa.enable(user, secret)
            rectification.cancel_pending(user)  # as after a password change
            user.totp_last_step = step
            session.pop("mfa_pending_secret", None)
            sessions.revoke_all(user)
            services.complete_login(user, remember=False, mfa_verified=True)
            audit.record("auth.mfa_enabled", actor=user, subject=user)
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes)
        add_error(
            form.code,
            _("Deze code klopt niet. Controleer de tijd op uw telefoon en probeer het opnieuw."),
        )
    return render_template(
        "auth/mfa_setup.html", form=form, qr=mfa.provisioning_qr(user, secret), secret=secret
    ), 422


@bp.post("/account/tweestapsverificatie/uitzetten")
@login_required
def mfa_disable():
    """Members may switch the optional second factor off again; staff may not."""
    user = require_user()
    form = ConfirmPasswordForm()
    if user.is_staff:
        abort(404)
    if form.validate_on_submit():
        ok, _rehash = verify_password(user.password_hash, form.password.data or "")
        if ok:
            mfa.disable(user)
            rectification.cancel_pending(user)  # as after a password change
            sessions.revoke_all(user)
            services.complete_login(user, remember=False, mfa_verified=False)
            audit.record("auth.mfa_disabled", actor=user, subject=user)
            db.session.commit()
            flash(_("Tweestapsverificatie staat uit."))
            return redirect(url_for("auth.account"), 303)
        add_error(form.password, _("Uw wachtwoord klopt niet."))
    return _account_page(422, disable_form=form)
