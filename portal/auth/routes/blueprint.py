"""The `auth` blueprint, a leaf: the route modules of this package attach their views to it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__)
