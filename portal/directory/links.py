"""Links of the ledenzoeker's results frame, built without url_for's routing work per link.

A live search renders its map URL and page links on every miss; each `url_for` binds defaults,
walks the rule's builder and the app's URL hooks (about 10 µs). The endpoints linked here have
no path variables, so a link is the endpoint's path (built by `url_for` once per script root)
and the query string werkzeug would encode: the same values in the same order (the language
that `portal.core.i18n` keeps in public links last), `None` left out, lists repeated, the same
safe characters. tests/directory/test_links.py compares the two.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import current_app, request, url_for
from werkzeug.datastructures import iter_multi_items

from portal.core import i18n

EXTENSION = "directory_link_paths"  # app.extensions: (endpoint, script root) -> path
ENVIRON_KEY = "portal.directory_links"  # request.environ: what this request's links share
SAFE = "!$'()*,/:;?@"  # what werkzeug.urls leaves unquoted in a query string


def query_url(endpoint: str, values: dict[str, Any]) -> str:
    """`url_for(endpoint, **values)` for an endpoint without path variables (query values only,
    none of url_for's own `_anchor`/`_external`/... options)."""
    path, kept = base(endpoint)
    if path is None:  # werkzeug would sort the query: let it
        return url_for(endpoint, **values)
    query = encode(values, kept)
    return f"{path}?{query}" if query else path


def base(endpoint: str) -> tuple[str | None, str | None]:
    """The endpoint's path in this request (None when the URL map sorts query parameters:
    then only `url_for` builds its links) and the language its links keep."""
    current = request._get_current_object()  # type: ignore[attr-defined]  # LocalProxy, once
    held = _held(current)
    key = (endpoint, current.endpoint)  # the language kept depends on the page linking
    found = held.get(key)
    if found is None:
        found = held[key] = _link_base(endpoint, current.script_root)
    return found


def encode(values: dict[str, Any], kept: str | None) -> str:
    """The query string werkzeug writes for `values` (see `base` for `kept`)."""
    if kept and i18n.LANG_ARG not in values:
        values = {**values, i18n.LANG_ARG: kept}
    return urlencode([item for item in iter_multi_items(values) if item[1] is not None], safe=SAFE)


def page_language() -> str | None:
    """`i18n.page_language()`, worked out once per request (the page's links and cards ask)."""
    current = request._get_current_object()  # type: ignore[attr-defined]  # LocalProxy, once
    held = _held(current)
    key = ("page_language", current.endpoint)
    if key not in held:
        held[key] = i18n.page_language()
    return held[key]


def _held(current: Any) -> dict:
    """What this request's links share (kept in its environ)."""
    held = current.environ.get(ENVIRON_KEY)
    if held is None:
        held = current.environ[ENVIRON_KEY] = {}
    return held


def _link_base(endpoint: str, script_root: str) -> tuple[str | None, str | None]:
    """The endpoint's path (None when the URL map sorts query parameters) and the language
    links to it keep in this request."""
    if current_app.url_map.sort_parameters:
        return None, None
    paths = current_app.extensions.setdefault(EXTENSION, {})
    path = paths.get((endpoint, script_root))
    if path is None:
        path = paths[(endpoint, script_root)] = url_for(endpoint, **{i18n.LANG_ARG: None})
    kept = (
        page_language()
        if i18n.is_public_endpoint(endpoint) and i18n.is_public_endpoint(request.endpoint)
        else None
    )  # i18n.kept_language(endpoint), with the page's language worked out once
    return path, kept
