"""Routes of single sign-on: start at the IdP, come back, log in (or get a Dutch reason)."""

from __future__ import annotations

import time

from flask import abort, flash, redirect, request, session, url_for

from portal.auth import oidc, services
from portal.auth.routes.blueprint import bp
from portal.auth.routes.login import landing, needs_second_step, start_second_step
from portal.core import audit
from portal.core.forms import EmptyForm
from portal.core.security import safe_next
from portal.extensions import db, limiter


@bp.post("/inloggen/sso")
@limiter.limit("20/minute", methods=["POST"])
def sso_start():
    """Send the visitor to the association's identity provider.

    :raises NotFound: single sign-on is not configured.
    """
    if not oidc.enabled():
        abort(404)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    next_url = safe_next(request.form.get("next"))
    try:
        response = oidc.start_redirect()
    except oidc.SSOError as exc:
        oidc.refuse(exc)
        db.session.commit()
        flash(str(exc), "error")
        return redirect(url_for("auth.login"), 303)
    session["sso_started"] = time.time()
    session["sso_next"] = next_url
    response.status_code = 303
    return response


@bp.get("/inloggen/sso/terug")
@limiter.limit("20/minute")
def sso_callback():
    """The IdP's answer: verify it, map the account and log in (or explain in Dutch).

    :raises NotFound: single sign-on is not configured.
    """
    if not oidc.enabled():
        abort(404)
    started = session.pop("sso_started", None)
    next_url = safe_next(session.pop("sso_next", None))
    user = None
    try:
        claims = oidc.receive_identity(started)
        outcome = oidc.resolve_user(claims)
    except oidc.SSOError as exc:
        oidc.refuse(exc, user)
        db.session.commit()
        flash(str(exc), "error")
        return redirect(url_for("auth.login"), 303)
    user = outcome.user
    audit.record(
        "auth.sso_login",
        actor=user,
        company=user.company,
        subject=user,
        changes={"mfa_by_idp": {"old": None, "new": outcome.mfa_by_idp}},
    )
    if not outcome.mfa_by_idp and needs_second_step(user):
        start_second_step(user, remember=False, next_url=next_url, sso=True)
        db.session.commit()
        return redirect(url_for("auth.code"), 303)
    services.complete_login(user, remember=False, mfa_verified=outcome.mfa_by_idp)
    session["sso"] = True
    db.session.commit()
    return redirect(next_url or landing(user), 303)
