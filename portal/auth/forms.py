"""Forms for login, password reset, activation, MFA and account settings."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from portal.auth.labels import COMPANY_ROLE_LABELS, STAFF_ROLE_LABELS, choices
from portal.core.concurrency import IdempotentForm
from portal.core.validation import Email, SafeText, strip_filter

REQUIRED = _l("Dit veld is verplicht.")


class LoginForm(FlaskForm):
    """E-mail and password; passwords are taken exactly as typed."""

    email = EmailField(
        _l("E-mailadres"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=254)],
    )
    password = PasswordField(_l("Wachtwoord"), validators=[DataRequired(REQUIRED), Length(max=128)])
    remember = BooleanField(_l("Ingelogd blijven op dit apparaat (7 dagen)"))


class CodeForm(FlaskForm):
    """A TOTP code or a recovery code."""

    code = StringField(
        _l("Code uit uw authenticator-app of herstelcode"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text"},
    )


class ForgotForm(FlaskForm):
    """Ask for a reset link."""

    email = EmailField(
        _l("E-mailadres"), filters=[strip_filter], validators=[DataRequired(REQUIRED), Email()]
    )


class NewPasswordForm(FlaskForm):
    """Choose a new password (reset, activation).

    The e-mailed token travels in the form body, not the URL the form posts to, so request lines
    in access logs and proxies never hold it.
    """

    token = HiddenField(validators=[Length(max=100)])

    password = PasswordField(
        _l("Nieuw wachtwoord"),
        validators=[DataRequired(REQUIRED), Length(max=128)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Herhaal het nieuwe wachtwoord"),
        validators=[DataRequired(REQUIRED), Length(max=128)],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(NewPasswordForm):
    """Change the password with the current one."""

    current = PasswordField(
        _l("Huidig wachtwoord"),
        validators=[DataRequired(REQUIRED), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )


class EnrolMfaForm(FlaskForm):
    """Confirm a new TOTP seed with a first code."""

    code = StringField(
        _l("Code uit de app (6 cijfers)"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=10)],
    )


class ConfirmPasswordForm(FlaskForm):
    """Re-enter the password before a sensitive change."""

    password = PasswordField(
        _l("Uw wachtwoord"), validators=[DataRequired(REQUIRED), Length(max=128)]
    )


class InviteeForm(IdempotentForm, FlaskForm):
    """Name and e-mail address of someone who gets an activation link."""

    name = StringField(
        _l("Naam"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=120), SafeText()],
    )
    email = EmailField(
        _l("E-mailadres"), filters=[strip_filter], validators=[DataRequired(REQUIRED), Email()]
    )


class InviteColleagueForm(InviteeForm):
    """Invite a colleague to the company's account."""

    company_role = SelectField(
        _l("Rol"),
        choices=[
            ("medewerker", _l("Medewerker: kan gegevens bekijken en bijwerken")),
            ("beheerder", _l("Beheerder: ook koppelingen, overeenkomsten en collega's")),
        ],
        default="medewerker",
    )


class RoleForm(FlaskForm):
    """Change a colleague's company role."""

    company_role = SelectField(_l("Rol"), choices=choices(COMPANY_ROLE_LABELS))


class StaffAccountForm(InviteeForm):
    """Admin: a new staff account (the activation mail lets them choose a password)."""


class StaffRoleForm(FlaskForm):
    """Admin: switch an account between medewerker (staff) and beheerder (admin)."""

    role = SelectField(
        _l("Rol"),
        choices=choices(STAFF_ROLE_LABELS),
        validators=[DataRequired(REQUIRED)],
    )


class NameForm(FlaskForm):
    """Correct one's own name (rectification)."""

    name = StringField(
        _l("Naam"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=120), SafeText()],
    )


class EmailChangeForm(FlaskForm):
    """A new e-mail address, confirmed by the current password (or a fresh login)."""

    # Names unique on the account page (the password form has its own `password`).
    new_email = EmailField(
        _l("Nieuw e-mailadres"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Email()],
    )
    current_password = PasswordField(_l("Uw huidige wachtwoord"), validators=[Length(max=128)])


class TokenForm(FlaskForm):
    """The e-mailed token moved from the URL into the form body."""

    token = HiddenField(validators=[DataRequired(), Length(max=100)])
