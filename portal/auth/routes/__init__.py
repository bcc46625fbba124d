"""Login, second step, password reset, account, passkey and single-sign-on pages (`auth`)."""

from __future__ import annotations

from portal.auth.routes import account, login, passkeys, sso  # noqa: F401  (attach their views)
from portal.auth.routes.blueprint import bp

__all__ = ["bp"]
