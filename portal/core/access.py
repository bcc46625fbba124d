"""Who is asking: the logged-in user, their company, and the company-beheerder check.

Request helpers every feature's routes share; they live in core so that no feature imports
another feature's route modules (see "Seams between features" in the house style).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING

from flask import abort, request
from flask_login import current_user

from portal.core.errors import render_error
from portal.core.logs import security_event

if TYPE_CHECKING:
    from portal.auth.models import User
    from portal.members.models import Company


def require_user() -> User:
    """The logged-in user object (not the proxy).

    :raises NotFound: nobody is logged in (callers are login_required anyway).
    """
    if not current_user.is_authenticated:
        abort(404)
    return current_user._get_current_object()


def current_company() -> Company:
    """The logged-in member's own company.

    :raises NotFound: the user has no company.
    """
    company = current_user.company
    if company is None:
        abort(404)
    return company


def company_admin_required(message: str) -> Callable[[Callable], Callable]:
    """Let only the company's beheerder through; a medewerker gets a Dutch 403 page.

    `message` (a lazy string) says what only the beheerder may do. Put it below the member
    check (a blueprint's `member_required`), since it assumes a logged-in member.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not getattr(current_user, "is_company_admin", False):
                user = getattr(current_user, "id", None)
                security_event("authz_denied", endpoint=request.endpoint, user=user)
                return render_error(403, str(message))
            return view(*args, **kwargs)

        return wrapped

    return decorator
