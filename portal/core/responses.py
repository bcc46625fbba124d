"""The redirect after a successful form post, for plain, boosted and htmx fragment forms."""

from __future__ import annotations

from flask import redirect, request


def done(url: str):
    """Success: 303 for plain and boosted forms; a full navigation for htmx fragment forms."""
    if getattr(request, "htmx", None) and not request.htmx.boosted:
        return "", 204, {"HX-Redirect": url}
    return redirect(url, 303)
