"""Security headers, role checks and company scoping of objects."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import unquote_to_bytes, urlsplit

from flask import Flask, abort, g, request
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import Headers, ImmutableMultiDict, MultiDict

from portal.core.cookie_session import KeptSerializerSessionInterface
from portal.core.form_parser import NotUtf8, utf8_request
from portal.core.logs import security_event
from portal.extensions import Model, db, signed_in

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

REFERRER_POLICY = "strict-origin-when-cross-origin"  # unless a view sets g.referrer_policy
# The headers `_headers` writes or removes; a response carrying none of them (nearly all) gets
# ADDED (and its Referrer-Policy) appended in one go, in the order the one-by-one path adds them.
MANAGED = frozenset(
    name.lower()
    for name in (
        "Content-Security-Policy", *(n for n, _v in FIXED_HEADERS), "Referrer-Policy",
        "Server", "X-Powered-By",
    )
)  # fmt: skip
ADDED = (("Content-Security-Policy", CSP), *FIXED_HEADERS)
ADDED_DEFAULT = (*ADDED, ("Referrer-Policy", REFERRER_POLICY))

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
    _csrf_check_after_method(app)

    @app.before_request
    def _form_bodies_only():
        """Unsafe methods take form bodies only: Flask-WTF would read a JSON body as form data."""
        if request.method in UNSAFE_METHODS and request.mimetype not in FORM_MIMETYPES:
            abort(415)

    @app.before_request
    def _no_nul_characters():
        """NUL is never text a person typed, and PostgreSQL refuses it in strings: 400 up front."""
        if has_nul_in_url(request.environ):
            abort(400)
        if request.method in UNSAFE_METHODS and _has_nul(request.form):
            abort(400)

    @app.after_request
    def _headers(response):
        headers = response.headers
        # What setdefault, set and pop did one scan of the header list each for: a header the
        # response does not carry yet is added at the end, one it carries is replaced in place.
        present = {key.lower() for key, _value in headers}
        referrer = g.get("referrer_policy", REFERRER_POLICY)
        if present.isdisjoint(MANAGED):
            headers.extend(
                ADDED_DEFAULT
                if referrer == REFERRER_POLICY
                else (*ADDED, ("Referrer-Policy", referrer))
            )
        else:
            _set_headers(headers, present, referrer)
        if g.get("authenticated_response", False) or g.get("no_store", False) or signed_in():
            headers["Cache-Control"] = "no-store"
        return response


def _set_headers(headers: Headers, present: set[str], referrer: str) -> None:
    """The security headers on a response that already carries some of them."""
    if "content-security-policy" not in present:
        headers.add("Content-Security-Policy", CSP)
    for name, value in (*FIXED_HEADERS, ("Referrer-Policy", referrer)):
        if name.lower() in present:
            headers[name] = value
        else:
            headers.add(name, value)
    for name in ("Server", "X-Powered-By"):
        if name.lower() in present:
            headers.pop(name, None)


def has_nul_in_url(environ: dict) -> bool:
    """Whether request.path or a key or value of request.args holds a NUL character, read from
    the raw path and query string instead of the parsed ones.

    request.path is PATH_INFO decoded (no decoding makes or removes a NUL). request.args comes
    from the query string split on "&" and "=" and percent-decoded, with "+" as a space: a NUL
    in it is a raw NUL or a "%00" (a "%" is never part of an escape before it, and every
    non-empty field is kept, even without "=").
    """
    query = environ.get("QUERY_STRING", "")
    return "\x00" in environ.get("PATH_INFO", "") or "%00" in query or "\x00" in query


def _csrf_check_after_method(app: Flask) -> None:
    """Flask-WTF's app-wide CSRF hook looks up the view's exemptions before the method; for a
    method it does not check (GET, HEAD, OPTIONS) the answer is None either way, so that is
    now answered first. Every other request goes through the hook unchanged, in its place."""
    hooks = app.before_request_funcs.get(None, [])
    for n, hook in enumerate(hooks):
        if hook.__module__ == "flask_wtf.csrf" and hook.__name__ == "csrf_protect":

            def csrf_protect(protect: Callable[[], Any] = hook) -> Any:
                if request.method not in app.config["WTF_CSRF_METHODS"]:
                    return None
                return protect()

            hooks[n] = csrf_protect


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
