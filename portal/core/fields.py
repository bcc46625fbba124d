"""Form field factories shared by the features: the same Dutch rules for the same kind of data."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.core.validation import Email, Phone, Postcode, strip_filter

REQUIRED = _l("Dit veld is verplicht.")
POSTCODE = _l("Postcode")
PHONE = _l("Telefoonnummer")
EMAIL = _l("E-mailadres")


def _presence(required: bool) -> DataRequired | Optional:
    return DataRequired(REQUIRED) if required else Optional()


def postcode_field(label: str = POSTCODE, *, required: bool = False) -> StringField:
    """A Dutch postcode (1234 AB), normalised by the Postcode validator."""
    return StringField(
        label, filters=[strip_filter], validators=[_presence(required), Length(max=10), Postcode()]
    )


def phone_field(label: str = PHONE, *, required: bool = False) -> StringField:
    """A Dutch or international phone number."""
    return StringField(
        label, filters=[strip_filter], validators=[_presence(required), Length(max=30), Phone()]
    )


def email_field(label: str = EMAIL, *, required: bool = False) -> EmailField:
    """One e-mail address (syntax checked, no DNS lookup)."""
    return EmailField(
        label, filters=[strip_filter], validators=[_presence(required), Length(max=254), Email()]
    )
