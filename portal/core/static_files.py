"""Content-hashed static file names, so browsers and nginx may cache them for a year.

`url_for("static", filename="portal.css")` gives `/static/portal.<12 hex of sha256>.css`; a new
deploy with changed content gives a new name. The static view serves a hashed name whose digest
matches with `Cache-Control: public, max-age=31536000, immutable` and anything else (the plain
name, an outdated digest during a rolling deploy) as Flask does, with its short default. nginx
serves the same names from disk with the same headers (deploy/nginx/ledenportaal.conf).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask.typing import ResponseReturnValue

HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{12})(?P<ext>\.[A-Za-z0-9]+)$")
YEAR = 365 * 24 * 3600
EXTENSION = "static_file_digests"


def digest(app: Flask, filename: str) -> str | None:
    """The first 12 hex digits of the file's sha256, or None when there is no such file.

    Cached per app, except in debug mode, where files change while the app runs.
    """
    cache = app.extensions.setdefault(EXTENSION, {})
    if filename in cache and not app.debug:
        return cache[filename]
    root = Path(app.static_folder or "").resolve()
    path = (root / filename).resolve()
    value = None
    if path.is_relative_to(root) and path.is_file():
        value = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    cache[filename] = value
    return value


def hashed_name(app: Flask, filename: str) -> str:
    """`portal.css` → `portal.<digest>.css` (unchanged when the file is missing)."""
    value = digest(app, filename)
    stem, dot, ext = filename.rpartition(".")
    if value is None or not dot or "/" in ext:
        return filename
    return f"{stem}.{value}.{ext}"


def register(app: Flask) -> None:
    """Hash the names `url_for` gives static files, and serve hashed names as immutable."""
    plain_view: Callable[..., Any] = app.view_functions["static"]

    @app.url_defaults
    def _hash_static_names(endpoint: str, values: dict) -> None:
        if endpoint == "static" and isinstance(values.get("filename"), str):
            values["filename"] = hashed_name(app, values["filename"])

    def static(filename: str) -> ResponseReturnValue:
        match = HASHED.match(filename)
        if match:
            original = match["stem"] + match["ext"]
            if digest(app, original) == match["digest"]:
                response = app.send_static_file(original)
                response.cache_control.public = True
                response.cache_control.max_age = YEAR
                response.cache_control.immutable = True
                response.cache_control.no_cache = None
                return response
            if digest(app, original) is not None:
                return plain_view(
                    filename=original
                )  # an outdated name: the current file, short cache
        return plain_view(filename=filename)

    app.view_functions["static"] = static
