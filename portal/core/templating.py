"""Jinja filters and globals: Dutch number and date formats, htmx config."""

from __future__ import annotations

import json
from collections import ChainMap
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from portal.core.i18n import is_english

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)  # fmt: skip

HTMX_CONFIG = json.dumps(
    {
        "allowEval": False,
        "allowScriptTags": False,
        "selfRequestsOnly": True,
        "includeIndicatorStyles": False,
        "historyRestoreAsHxRequest": False,
        "historyCacheSize": 0,
        # Back and forward load the page whole, so its own head assets and scripts start again
        # (a boosted swap restores the body only; see portal/core/htmx.py).
        "refreshOnHistoryMiss": True,
        "responseHandling": [
            {"code": "204", "swap": False},
            {"code": "[23]..", "swap": True},
            {"code": "422", "swap": True},
            {"code": "409", "swap": True},  # a stale save: the form again, input kept
            {"code": "[45]..", "swap": False, "error": True},
        ],
    }
)


EN_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def nl_decimal(value: float | Decimal | None, digits: int = 1) -> str:
    """8.94 → '8,9' (Dutch decimal comma; '8.9' on English pages)."""
    if value is None:
        return ""
    text = f"{float(value):.{digits}f}"
    return text if is_english() else text.replace(".", ",")


def format_count(value: int) -> str:
    """A whole number with the thousands separator of the page's language: 6300 → '6.300'
    (Dutch), '6,300' (English pages). Flask-Babel's `format_number` in a request (the locale
    `portal.core.i18n.select_locale` chose), Dutch outside one (mails, PDFs, commands)."""
    from babel.numbers import format_decimal
    from flask import has_request_context
    from flask_babel import format_number, get_locale

    if not has_request_context():
        return format_decimal(value, locale="nl")
    separator = _GROUP_SEPARATORS.get(str(get_locale())) if type(value) is int else None
    if separator is None:
        return format_number(value)
    # What Babel writes for a whole number in these languages, without its pattern machinery
    # (cards and counts ask for it many times per page).
    return f"{value:,}".replace(",", separator)


_GROUP_SEPARATORS = {"nl": ".", "en": ","}  # Babel's thousands separator per page language


def count_ngettext(singular: str, plural: str, num: int, **variables: object) -> str:
    """`ngettext` whose `%(num)s` is written with `format_count` ('1,234 days' in English).

    Flask-Babel's `ngettext` fills `%(num)s` with the bare int and refuses a `num=` of one's
    own; templates may pass `num=value|nl_int`. Extracted like ngettext (babel.cfg, the script).
    """
    from flask_babel import get_translations

    variables.setdefault("num", format_count(num))
    return get_translations().ungettext(singular, plural, num) % variables


def nl_int(value: int | None) -> str:
    """6300 → '6.300' ('6,300' on English pages); see `format_count`."""
    if value is None:
        return ""
    return format_count(value)


def nl_date(value: date | datetime | None, *, with_time: bool = False) -> str:
    """'23 november 2026' (Amsterdam time for datetimes)."""
    if value is None:
        return ""
    months = EN_MONTHS if is_english() else MONTHS
    if isinstance(value, datetime):
        local = value.astimezone(AMSTERDAM)
        text = f"{local.day} {months[local.month - 1]} {local.year}"
        return f"{text} {local:%H:%M}" if with_time else text
    return f"{value.day} {months[value.month - 1]} {value.year}"


def render_bare(name: str, **context: Any) -> str:
    """Render template `name` with `context` and the Jinja environment's globals only.

    Flask's `render_template` also runs the context processors (`g`, `request`, `session`,
    `current_user`, `association`, ...), sends the template signals and copies every global
    into a new context on each render: about 35 µs that a fragment rendered on every request
    (the ledenzoeker's live search) does not need when its template uses none of them. Only for
    such templates: tests/directory/test_results_fragment.py lists them and checks that each names
    nothing but its own variables and the globals.
    """
    env = current_app.jinja_env
    template = env.get_template(name)
    held = template.globals  # Jinja: a ChainMap of the template's own and the environment's
    values: dict[str, Any] = {}
    for layer in reversed(held.maps) if isinstance(held, ChainMap) else (held,):
        values.update(layer)  # copying dicts, not a ChainMap key by key
    values.update(context)
    try:
        return env.concat(template.root_render_func(template.new_context(values, shared=True)))
    except Exception:
        env.handle_exception()


def _association_context() -> dict:
    """`association` in every template: the configured legal identity (pages, mails)."""
    from portal.core.association import from_config

    return {"association": from_config()}


def register(app: Flask) -> None:
    """Install filters and globals on the Jinja environment."""
    from portal.core.i18n import install_jinja_gettext

    install_jinja_gettext(app)
    from portal.core import audit_text

    app.jinja_env.filters.update(nl_decimal=nl_decimal, nl_int=nl_int, nl_date=nl_date)
    app.jinja_env.filters.update(
        audit_action=audit_text.describe,
        audit_group=audit_text.group_text,
        audit_actor=audit_text.actor_text,
        audit_subject=audit_text.subject_text,
        audit_changes=audit_text.changes,
    )
    app.jinja_env.globals.update(htmx_config=HTMX_CONFIG)
    app.context_processor(_association_context)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
