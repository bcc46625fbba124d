"""Mijn profiel > Beoordelingen: the company's review system, linking, switching and unlinking."""

from __future__ import annotations

from portal.reviews.routes import changes, show  # noqa: F401  (attach their views)
from portal.reviews.routes.blueprint import bp

__all__ = ["bp"]
