"""Compressed responses (gzip and brotli) with Flask-Compress, unless a proxy does it.

HTML, CSS, JS, JSON, CSV and SVG are compressed for clients that accept it. Pages of signed-in
users are not: they hold session secrets (CSRF token) next to text the user typed, the mix a
BREACH-style attack needs. Set COMPRESS_ENABLED=false when a reverse proxy compresses.
"""

from __future__ import annotations

from flask import Flask, Response, request

from portal.extensions import compress, signed_in

ALGORITHMS = ["br", "gzip"]
MIMETYPES = [
    "text/html", "text/css", "text/plain", "text/csv", "text/javascript",
    "application/javascript", "application/json", "application/ld+json", "application/geo+json",
    "image/svg+xml",
]  # fmt: skip


def register(app: Flask) -> None:
    """Bind Flask-Compress; its hook runs after every other one (headers, ETag) are set."""
    app.config.setdefault("COMPRESS_ENABLED", True)
    app.config.update(
        COMPRESS_REGISTER=False,
        COMPRESS_ALGORITHM=ALGORITHMS,
        COMPRESS_ALGORITHM_STREAMING=ALGORITHMS,  # static files and exports are streamed
        COMPRESS_MIMETYPES=MIMETYPES,
        COMPRESS_BR_LEVEL=4,
        COMPRESS_LEVEL=6,
    )
    compress.init_app(app)
    if app.config["COMPRESS_ENABLED"]:
        app.after_request(_compress)


def _compress(response: Response) -> Response:
    """Compress unless the response belongs to a signed-in user (see the module doc).

    A request without Accept-Encoding (the htmx live search of the benchmark, many API clients)
    gets no encoding from Flask-Compress, only its Vary; that is added here without its header
    and content-type parsing (issue 19: about 10 µs a request; the same headers, tested against
    Flask-Compress)."""
    if request.endpoint != "static" and signed_in():
        return response
    if not request.environ.get("HTTP_ACCEPT_ENCODING"):
        vary_on_encoding(response)
        return response
    return compress.after_request(response)


def vary_on_encoding(response: Response) -> None:
    """What Flask-Compress adds to a response it does not compress: Accept-Encoding in Vary."""
    vary = response.headers.get("Vary")
    if not vary:
        response.headers["Vary"] = "Accept-Encoding"
    elif "accept-encoding" not in vary.lower():
        response.headers["Vary"] = f"{vary}, Accept-Encoding"
