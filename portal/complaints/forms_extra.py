"""Forms of the later complaint-register parts (issue 18): attachments, solutions, actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, Field, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.core.attachments import MAX_BYTES, CheckedFile, check_file
from portal.core.concurrency import IdempotentForm, VersionedForm
from portal.core.uploads import UploadError
from portal.core.validation import SafeText, multiline_filter, strip_filter

REQUIRED = _l("Dit veld is verplicht.")


class AttachmentForm(IdempotentForm, FlaskForm):
    """One photo or document; judged by its content (portal/core/attachments.py)."""

    file = FileField(_l("Foto of document (JPEG, PNG, WebP of PDF, hoogstens 5 MB)"))
    checked: CheckedFile | None = None

    def validate_file(self, field: Field) -> None:
        upload = field.data
        if not upload or not getattr(upload, "filename", ""):
            raise ValidationError(_l("Kies een bestand."))
        data = upload.read(MAX_BYTES + 1)
        try:
            self.checked = check_file(data, upload.filename)
        except UploadError as exc:
            raise ValidationError(exc.message) from None


class SolutionForm(IdempotentForm, FlaskForm):
    """A solution offered to the customer: own words, a standard compensation, or both."""

    solution_text = StringField(
        _l("Oplossing"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=300), SafeText()],
    )
    compensation = SelectField(_l("Standaardvergoeding"), choices=[], validators=[Optional()])


class ImprovementForm(IdempotentForm, FlaskForm):
    """A corrective or improvement action: what, who, by when."""

    action_kind = SelectField(
        _l("Soort actie"),
        choices=[
            ("corrective", _l("Corrigerende actie (dit geval blijvend oplossen)")),
            ("improvement", _l("Verbeteractie (herhaling voorkomen)")),
        ],
        default="improvement",
        validators=[DataRequired(REQUIRED)],
    )
    action_text = StringField(
        _l("Wat moet er gebeuren?"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=300), SafeText()],
    )
    action_owner = SelectField(_l("Eigenaar"), choices=[], validators=[Optional()])
    action_due_on = DateField(_l("Gereed uiterlijk"), validators=[InputRequired(REQUIRED)])


class EscalationForm(FlaskForm):
    """Put a complaint before a superior, with the reason."""

    superior = SelectField(_l("Voorleggen aan"), choices=[], validators=[DataRequired(REQUIRED)])
    reason = TextAreaField(
        _l("Waarom? (komt in de geschiedenis)"),
        filters=[multiline_filter],
        validators=[DataRequired(REQUIRED), Length(max=1000), SafeText(multiline=True)],
    )


class WorkInstructionForm(VersionedForm, FlaskForm):
    """The company's own work instruction (plain text, printable)."""

    work_instruction = TextAreaField(
        _l("Werkinstructie"),
        filters=[multiline_filter],
        validators=[DataRequired(REQUIRED), Length(max=20_000), SafeText(multiline=True)],
    )
