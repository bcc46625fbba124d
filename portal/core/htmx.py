"""Render a full page or only the fragment an htmx request targets."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template
from htmx_flask import request


def wants_fragment(target: str) -> bool:
    """Fragment only for a targeted swap; boosts and history restores get pages."""
    hx = request.htmx
    if not hx or hx.boosted or hx.history_restore_request:
        return False
    return hx.target == target


def full_page_load() -> Response | None:
    """For a boosted navigation, a response that makes htmx load the page as a whole instead.

    A boost swaps only the body: the page's own scripts and stylesheets in its head are not
    loaded, its scripts do not start, and the document keeps the previous page's
    Content-Security-Policy. A page that needs those answers boosts with this (one extra
    request); None for any other request."""
    hx = request.htmx
    if not hx or not hx.boosted:
        return None
    query = request.query_string.decode()
    response = make_response("", 200)
    response.headers["HX-Redirect"] = request.path + (f"?{query}" if query else "")
    response.vary.update(("HX-Request", "HX-Boosted"))
    return response


def render(page: str, fragment: str, *, target: str, status: int = 200, **ctx: Any) -> Response:
    """Render the page, or only its fragment when htmx asks for that region."""
    template = fragment if wants_fragment(target) else page
    response = make_response(render_template(template, **ctx), status)
    response.vary.update(("HX-Request", "HX-Target"))
    return response
