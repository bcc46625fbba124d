"""Forms for the customer-list upload and the actions on an upload."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired

from portal.core.concurrency import IdempotentForm

DELAY_CHOICES = [
    ("0", _l("Direct")),
    ("1", _l("Na 1 dag")),
    ("3", _l("Na 3 dagen")),
    ("7", _l("Na 7 dagen")),
    ("14", _l("Na 14 dagen")),
]


class UploadForm(IdempotentForm, FlaskForm):
    """A CSV or XLSX list plus the member's confirmation that customers were informed."""

    file = FileField(
        _l("Klantenlijst (CSV of Excel .xlsx, hoogstens 5 MB)"),
        validators=[FileRequired(_l("Kies een bestand."))],
    )
    delay = SelectField(_l("Uitnodiging versturen"), choices=DELAY_CHOICES, default="0")
    informed = BooleanField(
        _l(
            "Mijn klanten weten dat zij een beoordelingsverzoek krijgen en hebben daarmee ingestemd (bijvoorbeeld via de offerte of factuur)."
        ),
        validators=[DataRequired(_l("Bevestig dat uw klanten zijn geïnformeerd."))],
    )


class ConfirmForm(FlaskForm):
    """Send the previewed list, with the delay chosen again."""

    delay = SelectField(_l("Uitnodiging versturen"), choices=DELAY_CHOICES, default="0")
