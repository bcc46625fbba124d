"""Forms more than one feature uses."""

from __future__ import annotations

from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """Only the CSRF token: the button is the confirmation (confirm, unlink, retry, delete)."""
