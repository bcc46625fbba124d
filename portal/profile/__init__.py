"""Mijn profiel: the member company's own area."""
