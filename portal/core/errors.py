"""Dutch error pages (and fragments for htmx) without stack traces."""

from __future__ import annotations

import logging
import math
import time
from datetime import UTC, datetime

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.core.logs import security_event

MESSAGES = {
    400: (
        _l("Ongeldig verzoek"),
        _l("Het verzoek kon niet worden verwerkt. Ga terug en probeer het opnieuw."),
    ),
    401: (_l("Niet ingelogd"), _l("Log in om deze pagina te bekijken.")),
    403: (_l("Geen toegang"), _l("U heeft geen toegang tot deze pagina.")),
    404: (
        _l("Pagina niet gevonden"),
        _l("Deze pagina bestaat niet (meer). Controleer het adres of ga naar de startpagina."),
    ),
    405: (_l("Niet toegestaan"), _l("Deze actie is op deze pagina niet mogelijk.")),
    413: (
        _l("Bestand te groot"),
        _l("Het bestand of formulier is te groot. Het maximum is 6 MB; voor lijsten 5 MB."),
    ),
    415: (
        _l("Onbekend formaat"),
        _l(
            "Dit formulier accepteert alleen gewone formuliergegevens. Gebruik het formulier op de pagina."
        ),
    ),
    422: (
        _l("Gegevens niet verwerkt"),
        _l("De gegevens konden niet worden verwerkt. Controleer ze en probeer het opnieuw."),
    ),
    429: (
        _l("Te veel pogingen"),
        _l("U heeft dit te vaak geprobeerd. Wacht even en probeer het daarna opnieuw."),
    ),
    500: (
        _l("Er ging iets mis"),
        _l("Er ging bij ons iets mis. Probeer het later opnieuw; de fout is gemeld."),
    ),
}


def wants_message_only() -> bool:
    """Only the message for htmx swaps of a region; boosted links and forms get the whole page.

    A boosted request stands in for a normal navigation, so it gets what a browser without
    JavaScript gets; static/portal.js swaps it in and shows fragments in the alert region.
    """
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    """The error page, or only its message for htmx requests that swap a region."""
    title, message = MESSAGES.get(code, MESSAGES[500])
    template = "errors/_message.html" if wants_message_only() else "errors/page.html"
    return render_template(template, code=code, title=title, message=detail or message), code


def retry_after_seconds(exc: HTTPException) -> int | None:
    """Seconds until a rate limit lifts, when known: the response's Retry-After, else the limit."""
    header = exc.response.headers.get("Retry-After") if exc.response is not None else None
    if header and header.strip().isdigit():
        return int(header)
    retry_after = getattr(exc, "retry_after", None)  # werkzeug's TooManyRequests(retry_after=)
    if isinstance(retry_after, datetime):
        return max(0, math.ceil((retry_after - datetime.now(UTC)).total_seconds()))
    if isinstance(retry_after, int):
        return retry_after
    from portal.extensions import limiter

    try:
        limit = limiter.current_limit
    except Exception:  # the limiter has no state for this request
        return None
    return max(1, int(limit.reset_at - time.time())) if limit else None


def wait_phrase(seconds: int) -> str:
    """45 → '45 seconden', 100 → '2 minuten', 7200 → '2 uur' (to the nearest unit)."""
    if seconds < 60:
        return ngettext("%(num)s seconde", "%(num)s seconden", max(1, seconds))
    minutes = round(seconds / 60)
    if minutes < 60:
        return ngettext("%(num)s minuut", "%(num)s minuten", minutes)
    from portal.core.templating import count_ngettext

    return count_ngettext("%(num)s uur", "%(num)s uur", max(1, round(seconds / 3600)))


def _too_many(exc: HTTPException) -> ResponseReturnValue:
    """429 that says how long to wait when the limit's window is known."""
    security_event("rate_limited", endpoint=request.endpoint)
    wait = retry_after_seconds(exc)
    if wait is None:
        return render_error(429)
    detail = _(
        "U heeft dit te vaak geprobeerd. Probeer het over ongeveer %(wait)s opnieuw.",
        wait=wait_phrase(wait),
    )
    body, code = render_error(429, detail)
    return body, code, {"Retry-After": str(wait)}


def register(app: Flask) -> None:
    """Map HTTP errors, CSRF failures and unexpected exceptions to Dutch pages."""

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        security_event("csrf_failed", endpoint=request.endpoint)
        return render_error(
            400,
            str(
                _l(
                    "Het formulier is verlopen of ongeldig. Laad de pagina opnieuw en probeer het nog eens."
                )
            ),
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> ResponseReturnValue:
        if exc.code == 429:
            return _too_many(exc)
        response = render_error(exc.code or 500)
        valid_methods = getattr(exc, "valid_methods", None)  # werkzeug's MethodNotAllowed
        if exc.code == 405 and valid_methods:
            return response[0], 405, {"Allow": ", ".join(valid_methods)}
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> ResponseReturnValue:
        if isinstance(exc, HTTPException):
            return _http(exc)
        logging.getLogger("portal.errors").exception("unhandled error on %s", request.endpoint)
        try:
            from portal.extensions import db

            db.session.rollback()
        except Exception:  # noqa: S110 - the error page must render regardless
            pass
        return render_error(InternalServerError.code)
