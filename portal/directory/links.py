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
SAFE = "!$'()*,/:;?@"  # what werkzeug.urls leaves unquoted in a query string


def query_url(endpoint: str, values: dict[str, Any]) -> str:
    """`url_for(endpoint, **values)` for an endpoint without path variables (query values only,
    none of url_for's own `_anchor`/`_external`/... options)."""
    if current_app.url_map.sort_parameters:  # werkzeug would sort the query: let it
        return url_for(endpoint, **values)
    paths = current_app.extensions.setdefault(EXTENSION, {})
    key = (endpoint, request.script_root)
    path = paths.get(key)
    if path is None:
        path = paths[key] = url_for(endpoint, **{i18n.LANG_ARG: None})
    if i18n.LANG_ARG not in values and (kept := i18n.kept_language(endpoint)):
        values = {**values, i18n.LANG_ARG: kept}
    query = urlencode([item for item in iter_multi_items(values) if item[1] is not None], safe=SAFE)
    return f"{path}?{query}" if query else path
