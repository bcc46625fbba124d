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


def render(page: str, fragment: str, *, target: str, status: int = 200, **ctx: Any) -> Response:
    """Render the page, or only its fragment when htmx asks for that region."""
    template = fragment if wants_fragment(target) else page
    response = make_response(render_template(template, **ctx), status)
    response.vary.update(("HX-Request", "HX-Target"))
    return response
