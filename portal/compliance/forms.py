"""Flask-WTF forms of the criterium-2 console (explicit fields only)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    Field,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from portal.compliance.assessment import DECISION_LABELS, Decision
from portal.core.concurrency import IdempotentForm, VersionedForm
from portal.core.evidence import read_evidence
from portal.core.validation import SafeText, multiline_filter, strip_filter

REQUIRED = _l("Dit veld is verplicht.")


class CommaDecimalField(DecimalField):
    """A decimal field that also accepts the Dutch decimal comma (8,7)."""

    def process_formdata(self, valuelist):
        super().process_formdata([v.replace(",", ".", 1) for v in valuelist])


class DeadlineForm(IdempotentForm, FlaskForm):
    """Set or extend a member's deadline; the reason is mandatory."""

    deadline = DateField(
        _l("Nieuwe termijn (uiterste datum)"), validators=[InputRequired(REQUIRED)]
    )
    reason = TextAreaField(
        _l("Reden"),
        filters=[multiline_filter],
        validators=[DataRequired(REQUIRED), Length(max=1000), SafeText(multiline=True)],
    )


class DecisionForm(FlaskForm):
    """Approve, reject or ask for more information; a reason is always required."""

    decision = RadioField(
        _l("Besluit"),
        choices=[(d.value, DECISION_LABELS[d]) for d in Decision],
        validators=[InputRequired(_l("Kies een besluit."))],
    )
    reason = TextAreaField(
        _l("Toelichting voor het lid"),
        filters=[multiline_filter],
        validators=[DataRequired(REQUIRED), Length(max=2000), SafeText(multiline=True)],
    )


class ScoreDecisionForm(FlaskForm):
    """Confirm or reject a self-reported score (a reason is needed to reject)."""

    decision = RadioField(
        _l("Besluit"),
        choices=[("bevestigen", _l("Bevestigen")), ("afwijzen", _l("Niet overnemen"))],
        validators=[InputRequired(_l("Kies een besluit."))],
    )
    reason = TextAreaField(
        _l("Toelichting (verplicht bij niet overnemen)"),
        filters=[multiline_filter],
        validators=[Length(max=2000), SafeText(multiline=True)],
    )

    def validate_reason(self, field: Field) -> None:
        if self.decision.data == "afwijzen" and not field.data:
            raise ValidationError(REQUIRED)


class TemplateForm(VersionedForm, FlaskForm):
    """Edit a reminder template (placeholders checked by the service)."""

    subject = StringField(
        _l("Onderwerp"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=200), SafeText()],
    )
    body = TextAreaField(
        _l("Tekst"),
        filters=[multiline_filter],
        validators=[DataRequired(REQUIRED), Length(max=5000), SafeText(multiline=True)],
    )


class SendForm(FlaskForm):
    """The confirmation step of a reminder batch."""

    kind = SelectField(_l("Soort herinnering"), validators=[InputRequired(REQUIRED)])
    confirm = BooleanField(_l("Ik heb het voorbeeld gecontroleerd"))


class SelfReportForm(IdempotentForm, FlaskForm):
    """A member's self-reported public score of an approved system, with evidence."""

    score = CommaDecimalField(
        _l("Score"),
        places=2,
        validators=[
            InputRequired(REQUIRED),
            NumberRange(0, 10, _l("Vul een score van 0 tot 10 in.")),
        ],
    )
    scale_max = SelectField(
        _l("Schaal"),
        choices=[("10", _l("0 tot 10")), ("5", _l("0 tot 5"))],
        validators=[InputRequired(REQUIRED)],
    )
    review_count = IntegerField(
        _l("Aantal beoordelingen"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(0, 1_000_000, _l("Vul een aantal tussen 0 en 1.000.000 in.")),
        ],
    )
    evidence = FileField(_l("Bewijsstuk (schermafbeelding of PDF van uw openbare pagina)"))
    evidence_payload: tuple[str, str, bytes] | None = None

    def validate_score(self, field: Field) -> None:
        scale = Decimal(self.scale_max.data or "10")
        if field.data is not None and field.data > scale:
            raise ValidationError(_l("De score kan niet hoger zijn dan de schaal."))

    def validate_evidence(self, field: Field) -> None:
        """Required; PDF, PNG or JPEG up to 2 MB, judged by content."""
        self.evidence_payload = read_evidence(field, required=True)
