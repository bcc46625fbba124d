"""The company-details form, shared by mijn profiel and staff editing on a member's behalf."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import BooleanField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from portal.auth.forms import InviteColleagueForm
from portal.core.concurrency import VersionedForm
from portal.core.fields import email_field, phone_field, postcode_field
from portal.core.validation import (
    HttpUrl,
    SafeText,
    multiline_filter,
    strip_filter,
)

REQUIRED = _l("Dit veld is verplicht.")


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (works without JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CompanyForm(VersionedForm, FlaskForm):
    """Ledenzoekgegevens: the member's own directory data."""

    trade_name = StringField(
        _l("Handelsnaam"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=200), SafeText()],
    )
    street = StringField(
        _l("Straat"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=200), SafeText()],
    )
    house_number = StringField(
        _l("Huisnummer"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=10), SafeText()],
    )
    house_number_addition = StringField(
        _l("Toevoeging"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=10), SafeText()],
    )
    postcode = postcode_field(required=True)
    city = StringField(
        _l("Plaats"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=100), SafeText()],
    )
    phone = phone_field()
    email = email_field(_l("E-mailadres voor klanten"))
    website = StringField(
        _l("Website"), filters=[strip_filter], validators=[Optional(), Length(max=300), HttpUrl()]
    )
    description = TextAreaField(
        _l("Omschrijving"),
        filters=[multiline_filter],
        validators=[Optional(), Length(max=2000), SafeText(multiline=True)],
    )
    opening_hours = TextAreaField(
        _l("Openingstijden"),
        filters=[multiline_filter],
        validators=[Optional(), Length(max=500), SafeText(multiline=True)],
    )
    specialisms = MultiCheckboxField(_l("Vakgebieden"), coerce=int)
    show_address = BooleanField(_l("Adres tonen in de ledenzoeker"))
    show_phone = BooleanField(_l("Telefoonnummer tonen"))
    show_email = BooleanField(_l("E-mailadres tonen"))
    show_website = BooleanField(_l("Website tonen"))
    show_description = BooleanField(_l("Omschrijving tonen"))
    show_opening_hours = BooleanField(_l("Openingstijden tonen"))


def digits_filter(value):
    """'0000 1234.5678' → '000012345678': spaces and dots people type in numbers are dropped."""
    return re.sub(r"[\s.]", "", value) if isinstance(value, str) else value


class StaffCompanyForm(CompanyForm):
    """The details form as staff see it: also register data that only the ledenservice sets."""

    establishment_number = StringField(
        _l("Vestigingsnummer"),
        filters=[digits_filter],
        validators=[
            Optional(),
            Regexp(r"^[0-9]{12}\Z", message=_l("Vul een vestigingsnummer van 12 cijfers in.")),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    recognitions = MultiCheckboxField(_l("Erkenningen"), coerce=int)


class InviteBeheerderForm(InviteColleagueForm):
    """Staff invite a beheerder for a member company: name and e-mail, the role is fixed."""

    company_role = None  # type: ignore[assignment]  # WTForms: None drops the inherited field


class LogoForm(FlaskForm):
    """Upload a company logo (re-encoded server-side)."""

    logo = FileField(
        _l("Logo (PNG, JPEG of WebP, hoogstens 1 MB)"),
        validators=[
            FileAllowed(["png", "jpg", "jpeg", "webp"], _l("Kies een PNG-, JPEG- of WebP-bestand."))
        ],
    )


class OptOutForm(VersionedForm, FlaskForm):
    """Leave or rejoin the public directory."""

    directory_opt_out = BooleanField(_l("Mijn bedrijf niet tonen in de ledenzoeker"))
    confirm = BooleanField(
        _l("Ik begrijp dat ik ook dan een klantbeoordelingssysteem moet hebben (criterium 2).")
    )
