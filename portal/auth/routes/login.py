"""Login, logout, password reset, activation and the second login step."""

from __future__ import annotations

import time

from flask import (
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.auth import mfa, passkeys, services, sessions, tokens
from portal.auth.forms import CodeForm, ForgotForm, LoginForm, NewPasswordForm
from portal.auth.models import TokenPurpose, User
from portal.auth.routes.blueprint import bp
from portal.config import OidcSettings
from portal.core.forms import EmptyForm
from portal.core.security import safe_next
from portal.core.validation import add_error
from portal.extensions import db, limiter, login_manager, signed_in

PENDING_MFA_SECONDS = 300
# Endpoints a staff user without a verified second factor may still reach.
MFA_EXEMPT = {
    "auth.mfa_setup",
    "auth.mfa_enable",
    "auth.logout",
    "static",
    "public.home",
    # A passkey may be the staff member's second factor instead of TOTP.
    "auth.passkey_list",
    "auth.passkey_register_options",
    "auth.passkey_add",
}


def _account_key() -> str:
    return "acct:" + (request.form.get("email") or "").strip().lower()[:254]


def _failed(response: Response) -> bool:
    return response.status_code != 303


def _pending_account_key() -> str:
    """The account of the pending second login step (per account, whatever the IP)."""
    return "mfa:" + str(session.get("mfa_user") or "-")


login_manager.login_view = "auth.login"
login_manager.login_message = None
login_manager.session_protection = None  # server-side sessions do the binding


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """Resolve the cookie's session token to a live session and its user."""
    row = sessions.find_session(token)
    if row is None:
        return None
    user = row.user
    user.session_token = token
    g.user_session = row
    g.log_user = user.public_id
    if db.session.dirty:
        db.session.commit()
    return user


@login_manager.unauthorized_handler
def unauthorized():
    """Fragment requests get 401 + HX-Redirect; pages go to the login form."""
    target = url_for("auth.login", next=request.full_path.rstrip("?"))
    if request.headers.get("HX-Request") == "true":
        return "", 401, {"HX-Redirect": target}
    flash(_("Log in om verder te gaan."), "warning")
    return redirect(target, 303 if request.method != "GET" else 302)


@bp.before_app_request
def enforce_staff_mfa():
    """Staff and admin must verify (or first set up) TOTP before anything else."""
    if not signed_in() or not current_user.is_staff:
        return None
    row = g.get("user_session")
    if row is not None and row.mfa_verified:
        return None
    if request.endpoint in MFA_EXEMPT:
        return None
    return redirect(url_for("auth.mfa_setup"))


@bp.get("/inloggen")
def login():
    """The login form."""
    if current_user.is_authenticated:
        return redirect(_landing(current_user))
    return _login_page(LoginForm(), safe_next(request.args.get("next")))


def _login_page(form: LoginForm, next_url: str | None, status: int = 200) -> ResponseReturnValue:
    """The login form, with the SSO button when single sign-on is configured."""
    from portal.auth import oidc

    return render_template(
        "auth/login.html",
        form=form,
        next=next_url,
        sso_enabled=oidc.enabled(),
        sso_form=EmptyForm(),
    ), status


@bp.post("/inloggen")
@limiter.limit("5/minute;30/hour", methods=["POST"])
@limiter.limit("10/hour", key_func=_account_key, methods=["POST"], deduct_when=_failed)
def login_post():
    """Check credentials; MFA users continue to the code step."""
    form = LoginForm()
    next_url = safe_next(request.form.get("next"))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data or "", form.password.data or "")
        if user is not None and user.is_staff and not OidcSettings.of().staff_password_login:
            add_error(
                form.password,
                _("Medewerkers van de vereniging loggen in met hun verenigingsaccount."),
            )
        elif user is not None:
            if needs_second_step(user):
                start_second_step(user, remember=form.remember.data, next_url=next_url)
                db.session.commit()
                return redirect(url_for("auth.code"), 303)
            services.complete_login(user, remember=form.remember.data, mfa_verified=False)
            db.session.commit()
            return redirect(next_url or _landing(user), 303)
        else:
            add_error(form.password, _("Dit e-mailadres en wachtwoord horen niet bij elkaar."))
    return _login_page(form, next_url, 422)


def needs_second_step(user: User) -> bool:
    """TOTP users, and staff whose second factor is a passkey, continue to the second step.

    For members a passkey is a way to log in, not a required second step after the password,
    so a lost passkey leaves the password (and the reset flow) working.
    """
    return user.mfa_enabled or (user.is_staff and passkeys.has_passkeys(user))


def start_second_step(
    user: User, *, remember: bool, next_url: str | None, sso: bool = False
) -> None:
    """Remember (in a fresh session) who passed the first step; the code page finishes it."""
    session.clear()
    session.update(
        mfa_user=user.public_id,
        mfa_remember=remember,
        mfa_at=int(time.time()),
        mfa_next=next_url,
        mfa_sso=sso,
    )


def _landing(user: User) -> str:
    return url_for("staff_members.index") if user.is_staff else url_for("profile.dashboard")


landing = _landing  # for the SSO and passkey routes


def pending_user() -> User | None:
    """The user between the first and the second login step (5 minutes), or None."""
    return _pending_user()


def _pending_user() -> User | None:
    public_id = session.get("mfa_user")
    if not public_id or time.time() - session.get("mfa_at", 0) > PENDING_MFA_SECONDS:
        return None
    return db.session.scalars(db.select(User).where(User.public_id == public_id)).first()


@bp.get("/inloggen/code")
def code():
    """Second step: the TOTP code."""
    user = _pending_user()
    if user is None:
        flash(_("Log opnieuw in; de inlogpoging is verlopen."), "warning")
        return redirect(url_for("auth.login"))
    return _code_page(CodeForm(), user)


def _code_page(form: CodeForm, user: User, status: int = 200) -> ResponseReturnValue:
    """The second step: a TOTP or recovery code, or one of the user's passkeys."""
    return render_template(
        "auth/code.html",
        form=form,
        totp=user.mfa_enabled,
        passkey_step=passkeys.has_passkeys(user),
        passkey_form=EmptyForm(),
    ), status


@bp.post("/inloggen/code")
@limiter.limit("5/minute;30/hour", methods=["POST"])
@limiter.limit("10/hour", key_func=_pending_account_key, methods=["POST"], deduct_when=_failed)
def code_post():
    """Verify the code (or a recovery code) and finish the login."""
    user = _pending_user()
    if user is None:
        flash(_("Log opnieuw in; de inlogpoging is verlopen."), "warning")
        return redirect(url_for("auth.login"), 303)
    form = CodeForm()
    if form.validate_on_submit():
        if mfa.verify(user, form.code.data or ""):
            remember, next_url = session.get("mfa_remember", False), session.get("mfa_next")
            sso = session.get("mfa_sso", False)
            services.complete_login(user, remember=remember, mfa_verified=True)
            session["sso"] = sso
            db.session.commit()
            return redirect(safe_next(next_url) or _landing(user), 303)
        db.session.commit()  # a used recovery code or time step stays used
        add_error(form.code, _("Deze code klopt niet of is al gebruikt. Probeer de volgende code."))
    return _code_page(form, user, 422)


@bp.post("/uitloggen")
@login_required
def logout():
    """End this session server-side."""
    from portal.auth import oidc

    was_sso = session.get("sso", False)
    services.logout(current_user._get_current_object())
    db.session.commit()
    flash(_("U bent uitgelogd."))
    end_session = oidc.end_session_url() if was_sso and oidc.enabled() else None
    return redirect(end_session or url_for("auth.login"), 303)


@bp.get("/wachtwoord-vergeten")
def forgot():
    """Form to request a reset link."""
    return render_template("auth/forgot.html", form=ForgotForm())


@bp.post("/wachtwoord-vergeten")
@limiter.limit("10/hour", methods=["POST"])
@limiter.limit("3/hour", key_func=_account_key, methods=["POST"])
def forgot_post():
    """Always the same answer, whether or not the address is known."""
    form = ForgotForm()
    if not form.validate_on_submit():
        return render_template("auth/forgot.html", form=form), 422
    user = services.find_user(form.email.data or "")
    if user is not None and user.active and user.password_hash:
        services.send_reset(user)
    db.session.commit()
    flash(
        _(
            "Als dit adres bij ons bekend is, ontvangt u binnen enkele minuten een e-mail met een link."
        )
    )
    return redirect(url_for("auth.login"), 303)


def _token_page(purpose: TokenPurpose, raw: str, template: str, action: str) -> ResponseReturnValue:
    """The new-password form of an e-mailed link; the token moves from the URL into the form.

    The page is never cached and sends no Referer, so its URL (with the token) does not travel
    to the next request's logs.
    """
    g.referrer_policy = "no-referrer"
    g.no_store = True
    form = NewPasswordForm()
    if request.method == "GET":
        form.token.data = raw
    row = tokens.peek(raw, purpose)
    if row is None:
        return render_template("auth/token_invalid.html"), 404
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.set_password(row.user, form.password.data or "", form.confirm.data or "")
        except services.AccountError as exc:
            add_error(form.password, str(exc))
        else:
            tokens.consume(raw, purpose)
            db.session.commit()
            flash(_("Uw wachtwoord is ingesteld. U kunt nu inloggen."))
            return redirect(url_for("auth.login"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, user=row.user, action=url_for(action)), status


@bp.get("/wachtwoord-herstellen/<token>")
def reset(token: str) -> ResponseReturnValue:
    """The e-mailed reset link: the form to choose a new password."""
    return _token_page(TokenPurpose.RESET, token, "auth/reset.html", "auth.reset_post")


@bp.post("/wachtwoord-herstellen")
@limiter.limit("20/hour")
def reset_post():
    """Set the new password; the token comes in the form body."""
    raw = request.form.get("token", "")
    return _token_page(TokenPurpose.RESET, raw, "auth/reset.html", "auth.reset_post")


@bp.get("/activeren/<token>")
def activate(token: str) -> ResponseReturnValue:
    """The e-mailed activation link of an invited or imported user: choose a password."""
    return _token_page(TokenPurpose.ACTIVATE, token, "auth/activate.html", "auth.activate_post")


@bp.post("/activeren")
@limiter.limit("20/hour")
def activate_post():
    """First password of an invited user; the token comes in the form body."""
    raw = request.form.get("token", "")
    return _token_page(TokenPurpose.ACTIVATE, raw, "auth/activate.html", "auth.activate_post")
