"""Single sign-on with the association's OpenID Connect provider (authlib's Flask client).

authlib does the protocol: discovery from the issuer, authorization code flow with PKCE (S256),
state and nonce kept in the session, and the ID token's signature (the issuer's JWKS), issuer,
audience, expiry and nonce. This module decides what a verified identity may do in the portal:
which account it is, which role the groups grant, and whether the IdP's MFA counts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from joserfc.errors import JoseError as JoserfcError

from portal.auth import services, sessions
from portal.auth.models import Role, User
from portal.auth.oidc_deadline import DeadlineSession, login_deadline
from portal.config import OidcSettings
from portal.core import audit
from portal.core.logs import security_event
from portal.extensions import db

EXTENSION = "portal.oidc"
STATE_MAX_AGE = 600  # seconds between the redirect to the IdP and its answer
MFA_AMR = {"mfa", "otp", "hwk"}


class SSOError(Exception):
    """A Dutch, user-facing reason an SSO login was refused; `reason` is logged."""

    def __init__(self, message: object, reason: str) -> None:
        super().__init__(str(message))
        self.reason = reason


UNREACHABLE = _l(
    "De identiteitsprovider van de vereniging is nu niet bereikbaar. "
    "Probeer het later opnieuw of log in met uw wachtwoord."
)
DENIED = _l(
    "U heeft het inloggen bij de identiteitsprovider afgebroken of geen toestemming gegeven."
)
STATE = _l("Deze inlogpoging is verlopen of al gebruikt. Begin opnieuw met inloggen.")
INVALID = _l(
    "Het antwoord van de identiteitsprovider is ongeldig of niet voor dit portaal bedoeld. "
    "U bent niet ingelogd."
)
UNVERIFIED = _l(
    "Uw e-mailadres is bij de identiteitsprovider niet bevestigd. "
    "Bevestig het daar eerst en probeer het opnieuw."
)
DOMAIN = _l("Met een e-mailadres van dit domein kunt u niet via de vereniging inloggen.")
NO_ACCOUNT = _l(
    "Er is in het ledenportaal geen account dat bij dit e-mailadres past. "
    "Neem contact op met de vereniging."
)
GROUP = _l(
    "Uw account bij de vereniging geeft (nu) geen toegang tot het beheer van het ledenportaal. "
    "Neem contact op met een beheerder."
)
INACTIVE = _l("Dit account is uitgeschakeld. Neem contact op met de vereniging.")


def enabled(app: Flask | None = None) -> bool:
    """Is single sign-on configured (issuer and client id)?"""
    app = app or current_app
    return EXTENSION in app.extensions


def init_app(app: Flask) -> None:
    """Register this app's OpenID Connect client when the environment configures one."""
    settings = OidcSettings.of(app.config)
    if not (settings.issuer and settings.client_id):
        return
    registry = OAuth()  # one registry per app: tests run several apps with other IdPs
    registry.init_app(app)
    issuer = settings.issuer.rstrip("/")
    app.extensions[EXTENSION] = registry.register(
        "idp",
        client_id=settings.client_id,
        client_secret=settings.client_secret or None,
        server_metadata_url=issuer + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": settings.scopes,
            "code_challenge_method": "S256",
            "default_timeout": (settings.connect_timeout, settings.read_timeout),
        },
    )
    # Every call to the IdP keeps to the login request's deadline (portal/auth/oidc_deadline.py).
    app.extensions[EXTENSION].client_cls = DeadlineSession


def client():
    """The app's authlib client (FlaskOAuth2App)."""
    return current_app.extensions[EXTENSION]


def redirect_uri() -> str:
    """The callback URL registered at the IdP (from PUBLIC_BASE_URL, not the Host header)."""
    from flask import url_for

    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("auth.sso_callback")


def start_redirect():
    """The redirect to the IdP's authorization endpoint (state, nonce, PKCE in the session).

    :raises SSOError: the IdP's discovery document cannot be fetched.
    """
    try:
        with login_deadline():
            return client().authorize_redirect(redirect_uri())
    except (requests.RequestException, ValueError) as exc:
        raise SSOError(UNREACHABLE, "idp_unreachable") from exc


def receive_identity(started_at: float | None) -> dict:
    """Finish the code flow for this callback request and return the verified ID-token claims.

    :raises SSOError: denied, expired or replayed state, IdP unreachable, or an invalid token.
    """
    from flask import request

    error = request.args.get("error")
    if error:
        raise SSOError(
            DENIED if error in ("access_denied", "consent_required") else INVALID,
            f"idp_error:{error[:40]}",
        )
    if started_at is None or time.time() - started_at > STATE_MAX_AGE:
        raise SSOError(STATE, "state_expired")
    try:
        with login_deadline():
            token = client().authorize_access_token()
    except MismatchingStateError as exc:
        raise SSOError(STATE, "state_mismatch") from exc
    except OAuthError as exc:
        raise SSOError(INVALID, f"token_refused:{(exc.error or '')[:40]}") from exc
    except requests.RequestException as exc:
        raise SSOError(UNREACHABLE, "idp_unreachable") from exc
    except (JoserfcError, ValueError, KeyError) as exc:
        raise SSOError(INVALID, f"id_token_invalid:{type(exc).__name__}") from exc
    claims = token.get("userinfo")
    if not claims or not claims.get("sub"):
        raise SSOError(INVALID, "no_id_token")
    return dict(claims)


@dataclass(frozen=True)
class Outcome:
    """Who logs in, and whether the IdP's MFA replaces the portal's second step."""

    user: User
    mfa_by_idp: bool


def _groups(claims: dict) -> set[str]:
    value = claims.get(OidcSettings.of().groups_claim, [])
    if isinstance(value, str):
        value = [value]
    return {str(item) for item in value} if isinstance(value, list) else set()


def idp_mfa(claims: dict) -> bool:
    """Did the IdP assert a second factor (amr mfa/otp/hwk, or a configured acr)?"""
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    acr = str(claims.get("acr") or "")
    return bool(MFA_AMR & {str(a).lower() for a in amr}) or (
        bool(acr) and acr in OidcSettings.of().mfa_acr
    )


def _verified_email(claims: dict) -> str:
    email = str(claims.get("email") or "").strip().lower()
    verified = claims.get("email_verified")
    if not email or "@" not in email or not (verified is True or verified == "true"):
        raise SSOError(UNVERIFIED, "email_unverified")
    domains = OidcSettings.of().allowed_domains
    if domains and email.rsplit("@", 1)[1] not in domains:
        raise SSOError(DOMAIN, "domain_not_allowed")
    return email


def _staff_role(claims: dict) -> Role | None:
    """The role the group claims grant, or None (no staff group configured or matched)."""
    groups, settings = _groups(claims), OidcSettings.of()
    if groups & set(settings.admin_groups):
        return Role.ADMIN
    if groups & set(settings.staff_groups):
        return Role.STAFF
    return None


def resolve_user(claims: dict) -> Outcome:
    """Map verified claims to a portal account (flushes, never commits).

    Staff: an existing staff account by e-mail, or a new one when a group grants it; with
    groups configured the role follows them at every login, and a staff account whose groups
    no longer grant access is switched off (its sessions end). Members: an existing member
    user only; nothing is created for them.

    :raises SSOError: unverified or disallowed e-mail, no matching account, group not allowed.
    """
    email = _verified_email(claims)
    settings = OidcSettings.of()
    scope = settings.used_for
    staff_ok, members_ok = scope in ("staff", "both"), scope in ("members", "both")
    groups_configured = bool(settings.staff_groups or settings.admin_groups)
    user = services.find_user(email)
    if user is not None and not user.active:
        raise SSOError(INACTIVE, "account_inactive")
    if user is not None and user.is_staff:
        if not staff_ok:
            raise SSOError(NO_ACCOUNT, "staff_not_enabled")
        if groups_configured:
            _follow_groups(user, _staff_role(claims))
    elif user is not None:
        if not members_ok:
            raise SSOError(NO_ACCOUNT, "members_not_enabled")
    else:
        role = _staff_role(claims) if staff_ok else None
        if role is None:
            raise SSOError(NO_ACCOUNT, "no_account")
        user = _create_staff(email, str(claims.get("name") or "")[:120], role)
    return Outcome(user=user, mfa_by_idp=idp_mfa(claims))


def _follow_groups(user: User, role: Role | None) -> None:
    """Apply the IdP's groups to an existing staff account (switch it off without a group)."""
    if role is None:
        user.active = False
        sessions.revoke_all(user)
        audit.record(
            "auth.sso_staff_revoked",
            subject=user,
            changes={
                "role": {"old": str(user.role), "new": None},
                "active": {"old": True, "new": False},
            },
        )
        db.session.flush()
        raise SSOError(GROUP, "group_removed")
    if user.role is not role:
        audit.record(
            "auth.sso_role_changed",
            subject=user,
            changes={"role": {"old": str(user.role), "new": str(role)}},
        )
        user.role = role


def _create_staff(email: str, name: str, role: Role) -> User:
    user = User(email=email, name=name or email.split("@")[0], role=role, password_hash=None)
    db.session.add(user)
    db.session.flush()
    audit.record(
        "auth.sso_account_created",
        subject=user,
        changes={"role": {"old": None, "new": str(role)}},
    )
    return user


def refuse(exc: SSOError, user: User | None = None) -> None:
    """Log and audit a refused SSO login (no e-mail address, no token in either)."""
    security_event("sso_refused", reason=exc.reason)
    audit.record(
        "auth.sso_refused",
        subject=user,
        changes={"reason": {"old": None, "new": exc.reason}},
    )


def end_session_url() -> str | None:
    """The IdP's end-session URL for RP-initiated logout, or None when it offers none."""
    from urllib.parse import urlencode

    try:
        metadata = client().load_server_metadata()
    except (requests.RequestException, ValueError):
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint or not str(endpoint).startswith(("https://", "http://")):
        return None
    from flask import url_for

    back = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("auth.login")
    query = urlencode({"client_id": OidcSettings.of().client_id, "post_logout_redirect_uri": back})
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
