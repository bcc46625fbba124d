"""The results fragment's texts, kept per language: its fixed sentences, summary and order.

Live typing renders templates/directory/_results.html on nearly every request, and each
`_("...")` in it was a template call, a look-up of the request's catalogue and a copy, on
every search. Its fixed sentences come from templates/directory/_results_texts.html instead,
rendered once per language per process (Jinja's own gettext and autoescaping, as they were
in the results template), and the results template shows them as `texts.NAME`.

The summary ('23 installateurs gevonden') depends on nothing but the language and the count
(or that the place was not found), and the sentence on the order of a search near a place on
the language, the radius and the place's label: both are kept under those (bounded).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app

from portal.core import i18n
from portal.directory import browse
from portal.directory.forms import SearchQuery
from portal.directory.services import SearchResult

TEMPLATE = "directory/_results_texts.html"
EXTENSION = "directory_results_texts"  # app.extensions: locale -> the template's module
KEPT = "directory_results_kept"  # app.extensions: summaries and order sentences (see below)
MAX_KEPT = 20_000  # all dropped when there are more


def register(bp: Blueprint) -> None:
    """The results template's globals (links from one query string, the kept texts)."""
    bp.add_app_template_global(browse.result_links, "directory_result_links")
    bp.add_app_template_global(texts, "directory_results_texts")
    bp.add_app_template_global(summary, "directory_results_summary")
    bp.add_app_template_global(order, "directory_results_order")


def texts() -> Any:
    """The fixed sentences of the results fragment in the page's language (the module of
    TEMPLATE: one attribute per sentence, each as the results template's `_()` gave it)."""
    locale = i18n.select_locale()
    held = current_app.extensions.setdefault(EXTENSION, {})
    found = held.get(locale)
    if found is None:
        found = held[locale] = current_app.jinja_env.get_template(TEMPLATE).make_module()
    return found


def summary(result: SearchResult) -> str:
    """`result.summary` in the page's language, worked out once per language and count."""
    key = ("summary", i18n.select_locale(), bool(result.location_error), result.total)
    return _kept(key, lambda: result.summary)


def order(query: SearchQuery, result: SearchResult) -> Any:
    """The order sentence of a search near a place (TEMPLATE's `distance_order`), worked out
    once per language, radius and place."""
    km, place = query.straal, result.location.label if result.location else ""
    key = ("order", i18n.select_locale(), km, place)
    return _kept(key, lambda: texts().distance_order(km, place))


def _kept(key: tuple, make: Any) -> Any:
    held = current_app.extensions.setdefault(KEPT, {})
    found = held.get(key)
    if found is None:
        if len(held) >= MAX_KEPT:
            held.clear()
        found = held[key] = make()
    return found
