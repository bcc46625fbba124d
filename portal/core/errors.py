"""Dutch error pages (and fragments for htmx) without stack traces."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
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


def render_error(code: int, detail: str | None = None):
    """The error page, or only its message for htmx requests."""
    title, message = MESSAGES.get(code, MESSAGES[500])
    template = (
        "errors/_message.html"
        if request.headers.get("HX-Request") == "true"
        else "errors/page.html"
    )
    return render_template(template, code=code, title=title, message=detail or message), code


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
    def _http(exc: HTTPException):
        if exc.code == 429:
            security_event("rate_limited", endpoint=request.endpoint)
        response = render_error(exc.code or 500)
        if exc.code == 429 and exc.response is not None and exc.response.headers.get("Retry-After"):
            return response[0], 429, {"Retry-After": exc.response.headers["Retry-After"]}
        if exc.code == 405 and getattr(exc, "valid_methods", None):
            return response[0], 405, {"Allow": ", ".join(exc.valid_methods)}
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http(exc)
        logging.getLogger("portal.errors").exception("unhandled error on %s", request.endpoint)
        try:
            from portal.extensions import db

            db.session.rollback()
        except Exception:  # noqa: S110 - the error page must render regardless
            pass
        return render_error(InternalServerError.code)
