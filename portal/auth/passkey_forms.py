"""Forms of the passkey pages: add (name + the browser's credential), rename, log in."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from portal.core.validation import SafeText, strip_filter

REQUIRED = _l("Dit veld is verplicht.")


class PasskeyNameForm(FlaskForm):
    """A name the user recognises the passkey by."""

    name = StringField(
        _l("Naam van de passkey"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=60), SafeText()],
        render_kw={"placeholder": _l("bijv. Laptop kantoor")},
    )


class AddPasskeyForm(PasskeyNameForm):
    """Name plus the credential JSON that static/passkeys.js fills in."""

    credential = HiddenField(validators=[Length(max=20000)])


class PasskeyLoginForm(FlaskForm):
    """Only the assertion JSON that static/passkeys.js fills in."""

    credential = HiddenField(validators=[Length(max=20000)])
