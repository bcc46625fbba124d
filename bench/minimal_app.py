"""The reference of the ledenzoeker benchmark: a minimal Flask app, one route, no extensions."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/_bench/hello")
def hello() -> str:
    """What the fastest possible Flask page costs under the same gunicorn settings."""
    return "hello"
