"""Forms for erasure requests, staff handling of requests and customer data, and breaches."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    Field,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from portal.core.concurrency import IdempotentForm, VersionedForm
from portal.core.validation import Email, SafeText, multiline_filter, strip_filter


def _text(label: str, *, required: bool = False, max_length: int = 4000) -> TextAreaField:
    validators = [DataRequired()] if required else [Optional()]
    return TextAreaField(
        label,
        filters=[multiline_filter],
        validators=[*validators, Length(max=max_length), SafeText(multiline=True)],
    )


def _moment(label: str, *, required: bool = False) -> DateTimeLocalField:
    validators = [DataRequired(_l("Vul datum en tijd in."))] if required else [Optional()]
    return DateTimeLocalField(label, format="%Y-%m-%dT%H:%M", validators=validators)


class ErasureRequestForm(IdempotentForm, FlaskForm):
    """A user asks to have their account (and optionally the company) removed."""

    message = _text(_l("Toelichting (niet verplicht)"), max_length=2000)
    whole_company = BooleanField(
        _l(
            "Verwijder ook ons bedrijf, met alle accounts van collega's, koppelingen, klantenlijsten en het klachtenregister, zoals hierboven staat (alleen voor de beheerder)."
        )
    )
    confirm = BooleanField(
        _l("Ik begrijp dat mijn account na verwijdering niet meer te herstellen is."),
        validators=[DataRequired(_l("Bevestig dat u uw account wilt laten verwijderen."))],
    )


class CloseRequestForm(FlaskForm):
    """Staff record the outcome; an admin can carry out the erasure in the same step."""

    status = SelectField(
        _l("Uitkomst"), choices=[("done", _l("Afgehandeld")), ("rejected", _l("Afgewezen"))]
    )
    outcome = _text(
        _l("Toelichting voor de aanvrager en het dossier"), required=True, max_length=2000
    )
    execute = BooleanField(
        _l("Verwijdering nu uitvoeren (account, of bedrijf als daarom is gevraagd)")
    )


class CustomerSearchForm(FlaskForm):
    """Staff look up a member's customer by e-mail (sent by POST, so never in URLs or logs)."""

    email = StringField(
        _l("E-mailadres van de klant"),
        filters=[strip_filter],
        validators=[DataRequired(), Length(max=254), Email()],
    )


class CustomerEraseForm(CustomerSearchForm):
    """Remove a customer's address everywhere, optionally blocking future invitations."""

    suppress = BooleanField(_l("Ook bezwaar vastleggen: dit adres nooit meer uitnodigen"))
    confirm = BooleanField(
        _l("Ik heb de identiteit van de aanvrager gecontroleerd."),
        validators=[DataRequired(_l("Bevestig de controle."))],
    )


class BreachFields(FlaskForm):
    """A breach register entry."""

    title = StringField(
        _l("Korte omschrijving"),
        filters=[strip_filter],
        validators=[DataRequired(), Length(max=200), SafeText()],
    )
    discovered_at = _moment(_l("Ontdekt op"), required=True)
    facts = _text(_l("Feiten: wat is er gebeurd?"), required=True)
    data_affected = _text(_l("Welke persoonsgegevens?"))
    companies_affected = _text(_l("Welke lidbedrijven?"))
    subjects_estimate = IntegerField(
        _l("Geschat aantal betrokkenen"),
        validators=[Optional(), NumberRange(min=0, max=10_000_000)],
    )
    consequences = _text(_l("Waarschijnlijke gevolgen voor de betrokkenen"))
    at_processor = BooleanField(
        _l(
            "Het lek zit in gegevens die wij als verwerker voor lidbedrijven verwerken "
            "(uitnodigingen, klachten): lidbedrijven binnen 24 uur informeren"
        )
    )
    measures = _text(_l("Genomen maatregelen"))
    ap_notified_at = _moment(_l("Gemeld aan de Autoriteit Persoonsgegevens op"))
    no_notice_reason = _text(
        _l("Niet gemeld aan de AP of de betrokkenen: waarom niet (art. 33 lid 1, art. 34 lid 3)")
    )
    ap_reference = StringField(
        _l("Kenmerk melding AP"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=60), SafeText()],
    )
    controllers_notified_at = _moment(
        _l("Lidbedrijven (verwerkingsverantwoordelijken) geïnformeerd op")
    )
    subjects_notified_at = _moment(_l("Betrokkenen geïnformeerd op"))
    closed_at = _moment(_l("Afgesloten op"))

    def validate_closed_at(self, field: Field) -> None:
        """A closed entry says why nobody was notified, and a processor breach when members were."""
        if not field.data:
            return
        if not self.ap_notified_at.data and not (self.no_notice_reason.data or "").strip():
            raise ValidationError(
                _l("Leg vast waarom het lek niet aan de AP is gemeld voordat u het afsluit.")
            )
        if self.at_processor.data and not self.controllers_notified_at.data:
            raise ValidationError(
                _l("Leg vast wanneer de lidbedrijven zijn geïnformeerd voordat u het afsluit.")
            )


class BreachForm(VersionedForm, BreachFields):
    """Edit a breach register entry (a stale save gets 409)."""


class NewBreachForm(IdempotentForm, BreachFields):
    """A new breach register entry (a repeated submit records it once)."""


class ExtendRequestForm(FlaskForm):
    """Extend the answer term (art. 12(3)); the reason goes to the requester."""

    months = SelectField(
        _l("Verlengen met"), choices=[("1", _l("één maand")), ("2", _l("twee maanden"))]
    )
    reason = _text(_l("Reden (gaat naar de aanvrager)"), required=True, max_length=2000)


class RightRequestForm(IdempotentForm, FlaskForm):
    """A user objects to a processing or asks to restrict it (arts. 18 and 21)."""

    kind = SelectField(
        _l("Soort verzoek"),
        choices=[
            ("objection", _l("Bezwaar tegen een verwerking")),
            ("restriction", _l("Beperking van de verwerking")),
        ],
    )
    message = _text(_l("Welke verwerking en waarom"), required=True, max_length=2000)
