"""Forms of the admin pages: the app-wide settings and the specialisms list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from portal.core.concurrency import IdempotentForm, VersionedForm
from portal.core.fields import REQUIRED
from portal.core.settings import DEFINITIONS
from portal.core.validation import SafeText, strip_filter


class SettingsForm(VersionedForm, FlaskForm):
    """Admin settings; fields are generated from the settings definitions."""


for _name, _definition in DEFINITIONS.items():
    setattr(
        SettingsForm,
        _name,
        IntegerField(
            _definition.label,
            description=_definition.hint,
            validators=[
                InputRequired(REQUIRED),
                NumberRange(
                    _definition.minimum,
                    _definition.maximum,
                    _l("Kies een waarde van %(min)s tot en met %(max)s."),
                ),
            ],
        ),
    )


class SpecialismForm(FlaskForm):
    """Add or rename a specialism (vakgebied)."""

    name = StringField(
        _l("Naam"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=100), SafeText()],
    )
    active = BooleanField(_l("Actief (kiesbaar voor leden)"), default=True)


class NewSpecialismForm(IdempotentForm, SpecialismForm):
    """Add a specialism (a repeated submit adds it once)."""


class EditSpecialismForm(VersionedForm, SpecialismForm):
    """Rename or switch off a specialism (a stale save gets 409)."""
