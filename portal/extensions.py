"""Flask extensions, created unbound so that nothing imports the app."""

from typing import TYPE_CHECKING, Any

from authlib.integrations.flask_client import OAuth
from flask import current_app, g, request, session
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import AnonymousUserMixin, LoginManager, current_user, user_accessed
from flask_login.config import COOKIE_NAME
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase
from wtforms.csrf.core import CSRFTokenField
from wtforms.widgets import HiddenInput

from portal.core import ratelimit_store  # noqa: F401  (registers the portal-sqlite:// storage)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a stable constraint naming convention for Alembic."""

    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)

if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as _FlaskModel

    class Model(_FlaskModel, Base):
        """What ``db.Model`` is at run time, spelled out for the type checker.

        mypy cannot use an attribute of an instance (``db.Model``) as a base class; the models
        subclass this name instead: Flask-SQLAlchemy's model mixin (``query``) on our declarative
        base, so mapped attributes and ``Model.query`` are typed.
        """

        __abstract__ = True

else:
    Model = db.Model
migrate = Migrate()
csrf = CSRFProtect()


class _CsrfInput(HiddenInput):
    """The CSRF token's hidden input without an id: a page with several forms (the login page
    has three) would otherwise repeat id="csrf_token", which is invalid HTML. Nothing refers
    to it by id (htmx sends the token as a header, forms by name)."""

    def __call__(self, field: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("id", False)
        return super().__call__(field, **kwargs)


CSRFTokenField.widget = _CsrfInput()  # type: ignore[misc]


class _LoginManager(LoginManager):
    """Flask-Login's manager without its session-protection hash when protection is off.

    The portal binds logins to server-side sessions (`session_protection = None`), yet
    Flask-Login hashes the client's address and user agent on every request before it looks
    at the mode; this skips the hash when the mode is off, with the same outcome.
    """

    def _session_protection_failed(self) -> bool:
        if not current_app.config.get("SESSION_PROTECTION", self.session_protection):
            return False
        return bool(super()._session_protection_failed())

    def finds_nobody(self) -> bool:
        """Whether loading this request's user would give the anonymous user, answered without
        loading it: no session protection, no request or header loader, no listener for the
        user being accessed, and neither a user in the session nor a remember cookie to use.

        Reads the session as Flask-Login's own load does (`_user_id`, then `_remember` only
        when a remember cookie came along), so the session counts as accessed the same way.
        """
        if (
            self._request_callback is not None
            or self._header_callback is not None
            or self.anonymous_user is not AnonymousUserMixin
            or user_accessed.receivers
        ):
            return False
        config = current_app.config
        if config.get("SESSION_PROTECTION", self.session_protection):
            return False
        if session.get("_user_id") is not None:
            return False
        cookie_name = config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
        has_cookie = "HTTP_COOKIE" in request.environ and cookie_name in request.cookies
        return not (has_cookie and session.get("_remember") != "clear")


login_manager = _LoginManager()


def signed_in() -> bool:
    """`current_user.is_authenticated`, without building an anonymous user for a request
    that carries no login at all (the app-wide hooks ask on every request)."""
    if "_login_user" not in g and login_manager.finds_nobody():
        return False
    return bool(current_user.is_authenticated)


htmx = Htmx()
babel = Babel()


class _Limiter(Limiter):
    """Flask-Limiter whose decorated views skip the limit check while limiting is off.

    With RATELIMIT_ENABLED=false, Flask-Limiter's decorator still filters the limits (finding
    none, as the limiter is off) and evaluates the empty list, which only records that no limit
    applies. That record is all this writes; with limiting on (and with meta limits) nothing
    changes.
    """

    def _check_request_limit(
        self, callable_name: str | None = None, in_middleware: bool = True
    ) -> None:
        if not (self.enabled and self.initialized) and not self._meta_limits:
            context = self.context
            context.view_rate_limit = None
            context.view_rate_limits = []
            return
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)


limiter = _Limiter(key_func=get_remote_address, default_limits=[])
oauth = OAuth()
compress = Compress()
