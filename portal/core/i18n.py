"""Locale selection: Dutch by default, English when the browser prefers it and a catalogue exists."""

from flask import current_app, g, request
from flask_babel import get_translations

SUPPORTED = ("nl",)


def select_locale() -> str:
    """Dutch unless a supported other language is preferred."""
    if not request:
        return current_app.config.get("BABEL_DEFAULT_LOCALE", "nl")
    return request.accept_languages.best_match(SUPPORTED) or "nl"


def _translations():
    """The request's translations, looked up once per request instead of once per string."""
    found = g.get("_portal_translations")
    if found is None:
        found = g._portal_translations = get_translations()
    return found


def install_jinja_gettext(app) -> None:
    """Template gettext callables that reuse the request's translations (pages call them often)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
