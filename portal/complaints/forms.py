"""Forms of the complaint register, its settings and the public complaint form."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    Field,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as WTFValidationError
from wtforms.widgets import TextInput

from portal.complaints.labels import (
    CHANNEL_LABELS,
    CUSTOMER_GROUPS,
    NOTE_LABELS,
    REOPEN_LABELS,
    ROOT_CAUSES,
    SATISFACTION_LABELS,
    SEVERITY_LABELS,
    VERDICT_LABELS,
)
from portal.complaints.letters import PLACEHOLDERS, unknown_placeholders
from portal.complaints.models import Channel
from portal.core.concurrency import IdempotentForm, VersionedForm
from portal.core.fields import email_field, phone_field, postcode_field
from portal.core.validation import (
    SafeText,
    multiline_filter,
    strip_filter,
)

REQUIRED = _l("Dit veld is verplicht.")
EMPTY = [("", _l("— kies —"))]


def _text(label: str, *, max_len: int, required: bool = False, **kwargs: Any) -> StringField:
    first = DataRequired(REQUIRED) if required else Optional()
    return StringField(
        label,
        filters=[strip_filter],
        validators=[first, Length(max=max_len), SafeText()],
        **kwargs,
    )


def _area(label: str, *, max_len: int = 5000, required: bool = False) -> TextAreaField:
    first = DataRequired(REQUIRED) if required else Optional()
    return TextAreaField(
        label,
        filters=[multiline_filter],
        validators=[first, Length(max=max_len), SafeText(multiline=True)],
    )


def _choices(labels: dict) -> list[tuple[str, str]]:
    return [(key.value if hasattr(key, "value") else key, label) for key, label in labels.items()]


class CommaDecimalField(DecimalField):
    """A decimal field that reads and shows the Dutch decimal comma (5,5).

    A text input, not `type=number`: browsers drop a value such as "6,0" from a number input
    (not a valid floating-point number), which left the field empty and the form unsaveable.
    """

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        render_kw = {
            "inputmode": "decimal",
            "autocomplete": "off",
            **(kwargs.pop("render_kw", None) or {}),
        }
        super().__init__(*args, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            valuelist = [valuelist[0].replace(",", ".").strip()]
        super().process_formdata(valuelist)

    def _value(self) -> str:
        # Field._value exists in WTForms; its stubs leave the private method out
        return super()._value().replace(".", ",")  # type: ignore[misc]


class ComplainantFields(FlaskForm):
    """Who complains (NAW, phone, e-mail)."""

    complainant_name = _text(_l("Naam klager"), max_len=120, required=True)
    complainant_street = _text(_l("Straat en huisnummer"), max_len=200)
    complainant_postcode = postcode_field()
    complainant_city = _text(_l("Plaats"), max_len=100)
    complainant_phone = phone_field()
    complainant_email = email_field()


class JobFields(FlaskForm):
    """The job the complaint is about, and how serious it is."""

    severity = SelectField(
        _l("Ernst"),
        choices=_choices(SEVERITY_LABELS),
        default="normal",
        validators=[Optional()],  # empty: normal on intake, unchanged on edit
    )
    work_order = _text(_l("Werkbon-, order- of factuurnummer"), max_len=60)
    installation_type = _text(_l("Soort installatie"), max_len=60)
    technician = _text(_l("Betrokken monteur"), max_len=120)
    customer_group = SelectField(
        _l("Klantgroep"),
        choices=[("", _l("— onbekend —")), *_choices(CUSTOMER_GROUPS)],
        default="",
        validators=[Optional()],
    )


class ComplaintForm(IdempotentForm, JobFields, ComplainantFields):
    """Intake by a member user: the seed-001 registration fields."""

    received_on = DateField(_l("Datum ontvangst"), validators=[InputRequired(REQUIRED)])
    channel = SelectField(
        _l("Wijze van melding"),
        choices=_choices(CHANNEL_LABELS),
        default=Channel.PHONE.value,
        validators=[DataRequired(REQUIRED)],
    )
    category = SelectField(_l("Categorie"), choices=[], validators=[Optional()])
    subject = _text(_l("Onderwerp (product, dienst of medewerker)"), max_len=200)
    description = _area(_l("Omschrijving van de klacht"), required=True)
    received_by = _text(_l("Ontvangen door"), max_len=120)


class EditForm(VersionedForm, JobFields, ComplainantFields):
    """Everything a handler may change after intake."""

    category = SelectField(_l("Categorie"), choices=[], validators=[Optional()])
    subject = _text(_l("Onderwerp (product, dienst of medewerker)"), max_len=200)
    description = _area(_l("Omschrijving van de klacht"), required=True)
    received_by = _text(_l("Ontvangen door"), max_len=120)
    agreements = _area(_l("Gemaakte afspraken (wat, wanneer)"), max_len=2000)
    reply_method = _text(_l("Hoe is gereageerd (telefonisch, bezoek, brief, e-mail)"), max_len=60)
    resolution = _area(_l("Oplossing"), max_len=3000)
    verdict_reason = _area(_l("Toelichting op het oordeel"), max_len=2000)
    root_cause = SelectField(
        _l("Oorzaak"), choices=EMPTY + _choices(ROOT_CAUSES), validators=[Optional()]
    )
    supplier_fault = BooleanField(_l("Oorzaak ligt bij een leverancier"))
    satisfaction = SelectField(
        _l("Tevredenheid klager over de afhandeling"),
        choices=EMPTY + _choices(SATISFACTION_LABELS),
        validators=[Optional()],
    )
    followup_on = DateField(_l("Nazorg op"), validators=[Optional()])
    costs = CommaDecimalField(
        _l("Kosten van de klacht (euro)"),
        places=2,
        validators=[Optional(), NumberRange(0, 1_000_000)],
    )
    remarks = _area(_l("Opmerkingen"), max_len=3000)
    dispute_reference = _text(_l("Kenmerk geschil"), max_len=60)
    related_reference = _text(_l("Hoort bij klacht (nummer)"), max_len=20)


class ActionForm(FlaskForm):
    """Data for a workflow step; the service decides which fields the step needs."""

    resolution = _area(_l("Oplossing"), max_len=3000)
    agreements = _area(_l("Gemaakte afspraken (wat, wanneer)"), max_len=2000)
    reply_method = _text(_l("Hoe is gereageerd"), max_len=60)
    verdict = SelectField(
        _l("Oordeel"), choices=EMPTY + _choices(VERDICT_LABELS), validators=[Optional()]
    )
    verdict_reason = _area(_l("Reden (verplicht bij ongegrond)"), max_len=2000)
    satisfaction = SelectField(
        _l("Tevredenheid klager"),
        choices=EMPTY + _choices(SATISFACTION_LABELS),
        validators=[Optional()],
    )
    reopen_kind = SelectField(
        _l("Waarom heropenen?"),
        choices=EMPTY + _choices(REOPEN_LABELS),
        validators=[Optional()],
    )
    dispute_route = _text(
        _l("Externe route (bij een geschil)"), max_len=120, default="De Geschillencommissie"
    )
    dispute_reference = _text(_l("Kenmerk geschil"), max_len=60)
    note = _area(_l("Notitie bij deze stap"), max_len=2000)


class HandlerForm(FlaskForm):
    """Assign or reassign the handler."""

    handler = SelectField(_l("Behandelaar"), choices=[], validators=[DataRequired(REQUIRED)])


class LetterEditForm(IdempotentForm, FlaskForm):
    """One letter as it will go out: the handler may adjust subject and text for this case."""

    subject = _text(_l("Onderwerp"), max_len=200, required=True)
    body = _area(_l("Tekst van de brief"), max_len=8000, required=True)


class NoteForm(IdempotentForm, FlaskForm):
    """One line for the investigation log."""

    kind = SelectField(
        _l("Soort"),
        choices=_choices(NOTE_LABELS),
        default="note",
        validators=[DataRequired(REQUIRED)],
    )
    body = _area(_l("Wat is er gevonden, gezegd of afgesproken?"), max_len=5000, required=True)


class SurveyForm(FlaskForm):
    """The complainant's short satisfaction survey (scale of seed 002)."""

    satisfaction = SelectField(
        _l("Hoe tevreden bent u over de afhandeling van uw klacht?"),
        choices=EMPTY + _choices(SATISFACTION_LABELS),
        validators=[DataRequired(_l("Kies een antwoord."))],
    )
    remark = _area(_l("Wilt u nog iets kwijt? (niet verplicht)"), max_len=2000)


class FollowupForm(FlaskForm):
    """Aftercare: the outcome of the follow-up contact."""

    followup_outcome = _area(_l("Uitkomst van het nazorgcontact"), max_len=2000, required=True)
    satisfaction = SelectField(
        _l("Tevredenheid klager"),
        choices=EMPTY + _choices(SATISFACTION_LABELS),
        validators=[Optional()],
    )


class OnceForm(IdempotentForm, FlaskForm):
    """A button that creates or sends something: a double click does it once."""


class PolicyForm(VersionedForm, FlaskForm):
    """The company's klachtenregeling: deadlines, reminders, categories, review threshold."""

    ack_working_days = IntegerField(
        _l("Ontvangst bevestigen binnen (werkdagen)"),
        validators=[InputRequired(REQUIRED), NumberRange(1, 10)],
    )
    handling_days = IntegerField(
        _l("Afhandelen binnen (dagen)"), validators=[InputRequired(REQUIRED), NumberRange(1, 90)]
    )
    extension_days = IntegerField(
        _l("Verlenging na een tussenbericht (dagen)"),
        validators=[InputRequired(REQUIRED), NumberRange(0, 90)],
    )
    reminder_working_days = IntegerField(
        _l("Herinnering vooraf (werkdagen)"),
        validators=[InputRequired(REQUIRED), NumberRange(0, 5)],
    )
    negative_review_below = CommaDecimalField(
        _l("Beoordeling telt als negatief onder (cijfer 1–10)"),
        places=1,
        validators=[InputRequired(REQUIRED), NumberRange(1, 10)],
    )
    coordinator = SelectField(_l("Klachtencoördinator"), choices=[], validators=[Optional()])
    escalate_after_days = IntegerField(
        _l("Automatisch voorleggen na (werkdagen over de afhandeltermijn)"),
        validators=[InputRequired(REQUIRED), NumberRange(0, 30)],
    )
    escalate_reassign = BooleanField(
        _l("Klachtencoördinator wordt dan ook de behandelaar (overdragen)")
    )
    categories = TextAreaField(
        _l("Categorieën (één per regel)"),
        filters=[multiline_filter],
        validators=[DataRequired(REQUIRED), Length(max=2000), SafeText(multiline=True)],
    )

    compensations = TextAreaField(
        _l("Standaardvergoedingen (één per regel: omschrijving; bedrag)"),
        filters=[multiline_filter],
        validators=[Optional(), Length(max=3000), SafeText(multiline=True)],
    )

    def validate_compensations(self, field: Field) -> None:
        from portal.complaints.solutions import parse_compensations

        try:
            parse_compensations(field.data or "")
        except ValueError as exc:
            raise WTFValidationError(str(exc)) from None

    def validate_categories(self, field: Field) -> None:
        names = [line.strip() for line in field.data.split("\n") if line.strip()]
        if len(names) > 30 or any(len(n) > 60 for n in names):
            raise WTFValidationError(_l("Maximaal 30 categorieën van elk hooguit 60 tekens."))


class LetterTemplateForm(VersionedForm, FlaskForm):
    """The company's wording of one standard letter."""

    subject = _text(_l("Onderwerp"), max_len=200, required=True)
    body = _area(_l("Tekst van de brief"), max_len=8000, required=True)

    def validate_body(self, field: Field) -> None:
        self._check_placeholders(field)

    def validate_subject(self, field: Field) -> None:
        self._check_placeholders(field)

    @staticmethod
    def _check_placeholders(field: Field) -> None:
        unknown = unknown_placeholders(field.data or "")
        if unknown:
            raise WTFValidationError(
                _l(
                    "Onbekende invulvelden: %(names)s. Gebruik alleen: %(allowed)s.",
                    names=", ".join("{" + n + "}" for n in unknown),
                    allowed=", ".join("{" + n + "}" for n in PLACEHOLDERS),
                )
            )


class PublicComplaintForm(IdempotentForm, FlaskForm):
    """The consumer's complaint form on the ledenzoeker (no anonymous complaints)."""

    complainant_name = _text(_l("Uw naam"), max_len=120, required=True)
    complainant_street = _text(_l("Straat en huisnummer"), max_len=200)
    complainant_postcode = postcode_field()
    complainant_city = _text(_l("Plaats"), max_len=100)
    complainant_phone = phone_field()
    complainant_email = email_field(required=True)
    subject = _text(_l("Waar gaat uw klacht over?"), max_len=200, required=True)
    description = _area(_l("Beschrijf uw klacht"), max_len=5000, required=True)
    # No consent box: the complaint is handled on another legal basis (the member's contract
    # with the complainant and its legitimate interest; the association as its processor), so
    # the form informs instead of asking (issue 15; the privacy statement says the same).
    # Honeypot: hidden from people (CSS and aria-hidden), filled in by naive bots.
    website = StringField(_l("Laat dit veld leeg"), validators=[Optional(), Length(max=300)])
