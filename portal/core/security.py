"""Security headers, role checks and company scoping of objects."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import unquote_to_bytes, urlsplit

from flask import Flask, abort, g, request
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from portal.core.cookie_session import KeptSerializerSessionInterface
from portal.core.form_parser import NotUtf8, utf8_request
from portal.core.logs import security_event
from portal.extensions import Model, db

_OwnedT = TypeVar("_OwnedT", bound=Model)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

# Set on every response (see register's `_headers`), before Referrer-Policy.
FIXED_HEADERS = (
    ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
# What browsers (and htmx) send from a form; "" is a body-less POST such as a plain button.
FORM_MIMETYPES = frozenset({"", "application/x-www-form-urlencoded", "multipart/form-data"})


def register(app: Flask) -> None:
    """Install the response headers and the trusted-proxy fix."""
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]  # Flask's documented way to wrap the WSGI app

    app.session_interface = KeptSerializerSessionInterface()
    # After htmx-flask's own request class: multipart text fields as strict UTF-8 (NotUtf8: 400).
    app.request_class = utf8_request(app.request_class)
    # First of all hooks: CSRF, the limiter and the locale selector read request.args/form.
    app.before_request_funcs.setdefault(None, []).insert(0, _utf8_only)

    @app.before_request
    def _form_bodies_only():
        """Unsafe methods take form bodies only: Flask-WTF would read a JSON body as form data."""
        if request.method in UNSAFE_METHODS and request.mimetype not in FORM_MIMETYPES:
            abort(415)

    @app.before_request
    def _no_nul_characters():
        """NUL is never text a person typed, and PostgreSQL refuses it in strings: 400 up front."""
        if "\x00" in request.path or _has_nul(request.args):
            abort(400)
        if request.method in UNSAFE_METHODS and _has_nul(request.form):
            abort(400)

    @app.after_request
    def _headers(response):
        headers = response.headers
        # What setdefault, set and pop did one scan of the header list each for: a header the
        # response does not carry yet is added at the end, one it carries is replaced in place.
        present = {key.lower() for key, _value in headers.items()}
        if "content-security-policy" not in present:
            headers.add("Content-Security-Policy", CSP)
        referrer = getattr(g, "referrer_policy", "strict-origin-when-cross-origin")
        for name, value in (*FIXED_HEADERS, ("Referrer-Policy", referrer)):
            if name.lower() in present:
                headers[name] = value
            else:
                headers.add(name, value)
        for name in ("Server", "X-Powered-By"):
            if name.lower() in present:
                headers.pop(name, None)
        if (
            getattr(g, "authenticated_response", False)
            or getattr(g, "no_store", False)
            or current_user.is_authenticated
        ):
            headers["Cache-Control"] = "no-store"
        return response


def _utf8_only() -> None:
    """Bytes that are not UTF-8 in the path, query string or form body: 400 up front.

    werkzeug decodes a raw non-UTF-8 byte in a query string or urlencoded body strictly (a 500
    at the first request.args/request.form), and turns a percent-encoded one into the literal
    text "%FF". Multipart text fields are decoded strictly (`portal.core.form_parser`) (file parts stay
    bytes), so a multipart form is parsed here. The 400 page itself reads request.args (the
    locale), so the request is emptied first.
    """
    environ = request.environ
    try:
        path = environ.get("PATH_INFO", "").encode("latin-1")  # already percent-decoded (PEP 3333)
        query = unquote_to_bytes(environ.get("QUERY_STRING", "").encode("latin-1"))
        path.decode("utf-8")
        query.decode("utf-8")
        if request.method in UNSAFE_METHODS and request.mimetype == URLENCODED:
            unquote_to_bytes(request.get_data(cache=True)).decode("utf-8")
        if request.method in UNSAFE_METHODS and request.mimetype == MULTIPART:
            request.form  # noqa: B018 - parsed now, so a NotUtf8 field is answered here
    except (UnicodeError, NotUtf8):
        current = request._get_current_object()  # type: ignore[attr-defined]  # LocalProxy
        current.query_string = b""
        for name in ("args", "form", "files"):
            setattr(current, name, ImmutableMultiDict())
        abort(400)


def _has_nul(values: MultiDict[str, str]) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def role_required(*roles: str) -> Callable:
    """Allow only logged-in users with one of `roles`; everyone else gets 404 (or login).

    :raises NotFound: the user lacks the role (staff areas are not advertised).
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            from portal.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                security_event("authz_denied", endpoint=request.endpoint, user=current_user.id)
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = role_required("staff", "admin")
admin_required = role_required("admin")
member_required = role_required("member")


def get_owned_or_404(model: type[_OwnedT], public_id: str) -> _OwnedT:
    """Load a company-owned object by public id, filtered on the user's company.

    :raises NotFound: missing, or owned by another company (indistinguishable).
    """
    company_id = getattr(current_user, "company_id", None)
    columns: Any = model  # every caller's model has public_id and company_id columns
    obj = None
    if company_id is not None:
        obj = db.session.scalars(
            select(model).where(
                columns.public_id == str(public_id), columns.company_id == company_id
            )
        ).first()
    if obj is None:
        security_event("authz_denied", model=model.__name__, endpoint=request.endpoint)
        abort(404)
    return obj


def safe_next(target: str | None) -> str | None:
    """Only a relative, same-site path is accepted as a post-login destination."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    return target
