"""Locale selection: Dutch by default, English when the browser prefers it and a catalogue exists."""

import re
import threading
from collections.abc import Callable
from types import FunctionType
from typing import Any, cast

from babel import Locale, support
from flask import Flask, Response, current_app, g, has_request_context, request, url_for
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from wtforms.i18n import messages_path

SUPPORTED = ("nl", "en")
# Consumer-facing sources: their strings make up the English catalogue, which
# scripts/update_translations.py keeps in step and tests/core/test_translations.py checks.
PUBLIC_SOURCES = (
    "templates/base.html",
    "templates/home.html",
    "templates/directory/index.html",
    "templates/directory/_results.html",
    "templates/directory/_results_texts.html",
    "templates/directory/_card.html",
    "templates/directory/detail.html",
    "templates/directory/about_scores.html",
    "templates/complaints/public_form.html",
    "templates/complaints/public_thanks.html",
    "templates/complaints/public_unavailable.html",
    "templates/complaints/_head.html",
    "templates/privacy/statement.html",
    "templates/privacy/_controller.html",
    "templates/errors/*.html",
    "templates/macros/forms.html",
    "portal/directory/scores.py",
    "portal/directory/badge.py",
    "portal/directory/forms.py",
    "portal/directory/routes.py",
    "portal/directory/services.py",
    "portal/complaints/routes/public.py",
    "portal/complaints/forms.py",
    "portal/core/fields.py",
    "portal/core/validation.py",
    "portal/core/errors.py",
    "portal/core/association.py",
)


# Pages for consumers: only these speak English; member and staff pages stay Dutch.
PUBLIC_BLUEPRINTS = frozenset({"public", "directory", "complaints_public"})
PUBLIC_ENDPOINTS = frozenset({"privacy.statement"})
LANG_ARG = "lang"


def is_public_endpoint(endpoint: str | None) -> bool:
    """True for the consumer pages that have an English version."""
    if not endpoint:
        return False
    return endpoint in PUBLIC_ENDPOINTS or endpoint.split(".", 1)[0] in PUBLIC_BLUEPRINTS


def select_locale() -> str:
    """Dutch, unless a public page is asked for in English: `?lang=en` in the URL (kept in
    every link, so pages stay cacheable per URL) or else the browser's Accept-Language."""
    if not has_request_context():
        return current_app.config.get("BABEL_DEFAULT_LOCALE", "nl")
    # Asked for by every link and card of a page: worked out once per request (and the request
    # proxy resolved once per call, not per attribute).
    current = request._get_current_object()  # type: ignore[attr-defined]  # LocalProxy
    held = current.environ.get(_ENVIRON_KEY)
    if held is not None and held[0] == current.endpoint:
        return held[1]
    locale = _choose_locale()
    current.environ[_ENVIRON_KEY] = (current.endpoint, locale)
    return locale


_ENVIRON_KEY = "portal.locale"  # (endpoint, locale) chosen for this request
_PARSED: dict[str, Locale] = {}  # babel_locale: each code parsed once per process


def babel_locale() -> Locale:
    """`select_locale`'s choice as the babel `Locale` Flask-Babel's selector returns.

    Flask-Babel parses a code returned by the selector again in every request (about 14 µs,
    with file-system checks); a `Locale` it takes as it is. Locales are immutable.
    """
    code = select_locale()
    found = _PARSED.get(code)
    if found is None:
        found = _PARSED[code] = Locale.parse(code)
    return found


def _choose_locale() -> str:
    if not is_public_endpoint(request.endpoint):
        return "nl"
    chosen = request.args.get(LANG_ARG, "")
    if chosen in SUPPORTED:
        return chosen
    return request.accept_languages.best_match(SUPPORTED, default="nl") or "nl"


class FormMessages:
    """WTForms' own messages (e.g. "Dit veld is vereist.") in the request's language, from one
    parsed catalogue per language per process.

    Flask-WTF parses WTForms' .mo file again in every request that needs one of its messages
    (it keeps the result on the request only): about 0.2 ms of CPU in roughly 40 % of requests
    (every form with a default message or a label made from the field name). Flask-WTF takes
    the catalogue from `request.wtforms_translations` when it is set, so the app's request class
    carries this object there (see `register`) and nothing is parsed after the first request
    in each language. The language is read on every call, so `force_locale` is followed too.
    """

    def __init__(self) -> None:
        self._held: dict[str, support.NullTranslations] = {}
        self._lock = threading.Lock()

    def catalogue(self) -> support.NullTranslations:
        """The parsed catalogue of the current language (parsed once per process)."""
        locale = get_locale()
        key = str(locale)
        found = self._held.get(key)
        if found is None:
            with self._lock:
                found = self._held.get(key)
                if found is None:
                    found = support.Translations.load(messages_path(), [locale], domain="wtforms")
                    self._held[key] = found
        return found

    def ugettext(self, string: str) -> str:
        return self.catalogue().ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalogue().ungettext(singular, plural, n)

    def clear(self) -> None:
        """Forget the parsed catalogues (tests count the parses)."""
        with self._lock:
            self._held.clear()


FORM_MESSAGES = FormMessages()


def register(app: Flask) -> None:
    """Keep the chosen language in public links and tell caches what the language came from;
    WTForms' messages from the per-process catalogues (`FormMessages`)."""
    app.request_class = type(
        "CatalogueRequest", (app.request_class,), {"wtforms_translations": FORM_MESSAGES}
    )

    @app.url_defaults
    def _keep_language(endpoint: str, values: dict) -> None:
        if LANG_ARG not in values and (kept := kept_language(endpoint)):
            values[LANG_ARG] = kept

    @app.after_request
    def _vary_on_language(response):
        if is_public_endpoint(request.endpoint) and LANG_ARG not in request.args:
            add_vary(response, "Accept-Language")
        return response

    app.jinja_env.globals.update(
        language_links=language_links, current_language=select_locale, language_query=language_query
    )


_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP token (RFC 9110)


def add_vary(response: Response, name: str) -> None:
    """`response.vary.add(name)` without parsing and writing the header again: a Vary of plain
    tokens joined by ", " (as werkzeug writes it) gets `name` appended unless it names it in
    any case; any other Vary is left to werkzeug."""
    current = response.headers.get("Vary")
    if current is None:
        response.headers["Vary"] = name
        return
    parts = current.split(", ")
    if not all(_TOKEN.fullmatch(part) for part in parts):
        response.vary.add(name)
    elif name.lower() not in {part.lower() for part in parts}:
        response.headers["Vary"] = f"{current}, {name}"


def kept_language(endpoint: str) -> str | None:
    """The `lang` a link to `endpoint` built in this request carries unless it names one: on a
    public page linking to a public page, the page's language if it is English or was chosen
    in the URL (`?lang=nl` on an English browser stays Dutch on the next click), else None."""
    if (
        has_request_context()
        and is_public_endpoint(endpoint)
        and is_public_endpoint(request.endpoint)
    ):
        return page_language()
    return None


def page_language() -> str | None:
    """The language a public page's links keep: the page's own if it is not the default or
    `?lang=` named it (a supported one), else None (Dutch chosen by the browser or default)."""
    if not has_request_context() or not is_public_endpoint(request.endpoint):
        return None
    locale = select_locale()
    if locale != "nl" or explicit_language() is not None:
        return locale
    return None


def explicit_language() -> str | None:
    """The supported language `?lang=` names on a public page, else None."""
    if not has_request_context() or not is_public_endpoint(request.endpoint):
        return None
    chosen = request.args.get(LANG_ARG, "")
    return chosen if chosen in SUPPORTED else None


def language_query() -> str:
    """'?lang=en' (or '?lang=nl' when the URL named it) for links built by hand on a public
    page ('' when Dutch was not asked for)."""
    kept = page_language()
    return f"?{LANG_ARG}={kept}" if kept else ""


def language_links() -> list[tuple[str, str, str, bool]]:
    """(code, label, URL, current) for the language switch of a public page: the same page and
    query with `lang` set (Dutch, the default, has an explicit `lang=nl` too, so a browser that
    prefers English can still choose Dutch)."""
    endpoint = request.endpoint
    if endpoint is None or not is_public_endpoint(endpoint):
        return []
    current = select_locale()
    links = []
    for code, label in (("nl", "Nederlands"), ("en", "English")):
        view_args = request.view_args or {}
        args: dict[str, Any] = {
            k: v
            for k, v in request.args.items()
            if k != LANG_ARG and k not in view_args and not k.startswith("_")
        }  # url_for's own options (_external, _anchor, ...) never come from the query string
        lang: dict[str, Any] = {LANG_ARG: code}
        url = url_for(endpoint, **view_args, **args, **lang)
        links.append((code, label, url, code == current))
    return links


def _translations():
    """The request's translations, looked up once per request instead of once per string."""
    found = g.get("_portal_translations")
    if found is None:
        found = g._portal_translations = get_translations()
    return found


def install_jinja_gettext(app: Flask) -> None:
    """Template gettext callables that reuse the request's translations (pages call them often),
    and a template's fixed strings translated once per catalogue (`_kept_gettext`)."""
    env = app.jinja_env
    env.install_gettext_callables(  # type: ignore[attr-defined]  # from jinja2.ext.i18n
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    env.globals["gettext"] = _kept_gettext(cast(Callable[..., Any], env.globals["gettext"]))
    env.globals["_"] = _gettext_alias


# _kept_gettext: (catalogue, autoescape, text) -> what Jinja's gettext answered. Bounded: a
# template that translates text it was given (not a literal) cannot grow it without limit.
_KEPT: dict[tuple[Any, bool, str], Any] = {}
KEPT_MAX = 4096


def _kept_gettext(translate: Callable[..., Any]) -> Callable[..., Any]:
    """Jinja's (newstyle) template `gettext`, whose answer for a text without variables is kept
    per catalogue: the same text in the same catalogue always gives the same answer, and each
    call costs two context calls, a lookup of the request's catalogue and a Markup copy."""

    @pass_context
    def gettext(context: Context, string: str, **variables: Any) -> Any:
        if variables:
            return translate(context, string, **variables)
        key = (_translations(), context.eval_ctx.autoescape, string)
        found = _KEPT.get(key)
        if found is None:
            found = translate(context, string)
            if len(_KEPT) < KEPT_MAX:
                _KEPT[key] = found
        return found

    gettext.kept = True  # type: ignore[attr-defined]  # marks it for _gettext_alias
    return gettext


@pass_context
def _gettext_alias(context: Context, *args: Any, **kwargs: Any) -> Any:
    """`_` in templates: jinja2.ext's alias of `gettext`, calling the kept one directly."""
    gettext = context.resolve("gettext")
    if isinstance(gettext, FunctionType) and getattr(gettext, "kept", False):
        return gettext(context, *args, **kwargs)
    return context.call(gettext, *args, **kwargs)


def is_english() -> bool:
    """True while an English public page is rendered (numbers and dates follow it)."""
    from flask import has_request_context
    from flask_babel import get_locale

    return has_request_context() and str(get_locale() or "nl") == "en"
