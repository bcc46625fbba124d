"""Admin actions on one outgoing e-mail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField


class RetryForm(FlaskForm):
    """Send again; a message that may have arrived needs an explicit check first."""

    checked = BooleanField(
        _l(
            "Ik heb nagevraagd dat deze e-mail niet is aangekomen (anders ontvangt de ontvanger hem twee keer)."
        )
    )


class CancelForm(FlaskForm):
    """Stop a message that has not gone out."""
