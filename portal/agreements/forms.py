"""Forms for accepting the agreement and for admins editing draft versions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from portal.core.concurrency import IdempotentForm, VersionedForm
from portal.core.validation import SafeText, multiline_filter, strip_filter


class AcceptForm(FlaskForm):
    """The beheerder accepts the current version; version_id guards against a change meanwhile."""

    version_id = StringField(validators=[DataRequired(), Length(max=36)])
    signatory_name = StringField(
        _l("Naam ondertekenaar"),
        filters=[strip_filter],
        validators=[
            DataRequired(_l("Vul de naam van de ondertekenaar in.")),
            Length(max=120),
            SafeText(),
        ],
    )
    signatory_function = StringField(
        _l("Functie"), filters=[strip_filter], validators=[Optional(), Length(max=120), SafeText()]
    )
    confirm = BooleanField(
        _l("Ik heb de overeenkomst gelezen en ben bevoegd haar namens ons bedrijf te accepteren."),
        validators=[
            DataRequired(_l("Bevestig dat u de overeenkomst heeft gelezen en bevoegd bent."))
        ],
    )


class DraftFields(FlaskForm):
    """Admin: a draft version of the agreement text."""

    label = StringField(
        _l("Versienummer"),
        filters=[strip_filter],
        validators=[
            DataRequired(),
            Length(max=20),
            Regexp(
                r"^[0-9A-Za-z][0-9A-Za-z.\-]*$",
                message=_l("Gebruik cijfers, letters, punt of streepje."),
            ),
        ],
    )
    title = StringField(
        _l("Titel"),
        filters=[strip_filter],
        validators=[DataRequired(), Length(max=200), SafeText()],
    )
    summary = TextAreaField(
        _l("Wat is er veranderd?"),
        filters=[multiline_filter],
        validators=[Optional(), Length(max=2000), SafeText(multiline=True)],
    )
    body = TextAreaField(
        _l("Tekst"),
        filters=[multiline_filter],
        validators=[DataRequired(), Length(max=60000), SafeText(multiline=True)],
    )


class VersionForm(VersionedForm, DraftFields):
    """Admin: edit a draft (a stale save gets 409)."""


class NewDraftForm(IdempotentForm, DraftFields):
    """Admin: a new draft (a repeated submit creates it once)."""


class PublishForm(FlaskForm):
    """Admin confirms publication (freezes the text; all companies must accept again)."""

    confirm = BooleanField(
        _l(
            "Ik begrijp dat de tekst hierna niet meer kan worden gewijzigd en dat alle leden opnieuw moeten accepteren."
        ),
        validators=[DataRequired(_l("Bevestig de publicatie."))],
    )
