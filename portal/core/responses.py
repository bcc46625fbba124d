"""The redirect after a successful form post, for plain, boosted and htmx fragment forms."""

from __future__ import annotations

from flask import redirect, request
from flask.typing import ResponseReturnValue


def done(url: str) -> ResponseReturnValue:
    """Success: 303 for plain and boosted forms; a full navigation for htmx fragment forms."""
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted:
        return "", 204, {"HX-Redirect": url}
    return redirect(url, 303)
