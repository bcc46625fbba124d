"""Forms for linking a provider, reporting another system, confirming and staff provisioning."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, Field, PasswordField, RadioField, StringField, TextAreaField
from wtforms.form import BaseForm
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.core.concurrency import IdempotentForm, VersionedForm
from portal.core.evidence import read_evidence
from portal.core.validation import SafeText, multiline_filter, strip_filter
from portal.reviews.linking import CREDENTIAL_RE, LOCATION_ID_RE
from portal.reviews.models import Provider

REQUIRED = _l("Dit veld is verplicht.")
PLATFORM_CHOICES = [
    (Provider.KLANTENVERTELLEN.value, "Klantenvertellen"),
    (Provider.KIYOH.value, "Kiyoh"),
    (Provider.FEEDBACK_COMPANY.value, "Feedback Company"),
]
CREDENTIAL_TOKEN = "token"  # noqa: S105 - a choice value, not a secret
CREDENTIAL_FEED = "feed_hash"
CREDENTIAL_CHOICES = [
    (CREDENTIAL_TOKEN, _l("API-token")),
    (CREDENTIAL_FEED, _l("Feed-hash (oudere koppeling)")),
]
SWITCH_TEXT = _l("Ik begrijp dat mijn huidige beoordelingssysteem hiermee wordt beëindigd.")


def _check_location_id(form: BaseForm, field: Field) -> None:
    if field.data and not LOCATION_ID_RE.match(field.data):
        raise ValidationError(_l("Een locatie-ID bestaat uit 1 tot 64 letters, cijfers, - of _."))


def _check_credential(form: BaseForm, field: Field) -> None:
    if field.data and not CREDENTIAL_RE.match(field.data):
        raise ValidationError(
            _l("Gebruik 1 tot 128 gewone tekens, zonder spaties aan begin of eind.")
        )


class SwitchMixin:
    """A tick box required only when a current system would end (set `needs_confirm`)."""

    needs_confirm = False

    def validate_confirm_switch(self, field: Field) -> None:
        if self.needs_confirm and not field.data:
            raise ValidationError(_l("Bevestig dat uw huidige systeem wordt beëindigd."))


class LinkForm(IdempotentForm, VersionedForm, SwitchMixin, FlaskForm):
    """Credentials of an existing Klantenvertellen, Kiyoh or Feedback Company account."""

    provider = RadioField(
        _l("Platform"), choices=PLATFORM_CHOICES, validators=[DataRequired(REQUIRED)]
    )
    location_id = StringField(
        _l("Locatie-ID"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=64), _check_location_id],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    credential_kind = RadioField(
        _l("Soort koppeling"),
        choices=CREDENTIAL_CHOICES,
        default=CREDENTIAL_TOKEN,
        validators=[Optional()],
    )
    token = PasswordField(
        _l("API-token"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=128), _check_credential],
        render_kw={"autocomplete": "off"},
    )
    feed_hash = PasswordField(
        _l("Feed-hash"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=128), _check_credential],
        render_kw={"autocomplete": "off"},
    )
    client_id = StringField(
        _l("Client-ID"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=64), _check_credential],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    client_secret = PasswordField(
        _l("Client secret"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=128), _check_credential],
        render_kw={"autocomplete": "off"},
    )
    confirm_switch = BooleanField(SWITCH_TEXT)

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        """Besides the field checks, the chosen platform's two fields are required."""
        ok = super().validate(extra_validators)
        if self.provider.data == Provider.FEEDBACK_COMPANY.value:
            needed: tuple[Field, ...] = (self.client_id, self.client_secret)
        elif self.provider.data in (Provider.KLANTENVERTELLEN.value, Provider.KIYOH.value):
            needed = (self.location_id, self.token if self.uses_token() else self.feed_hash)
        else:
            needed = ()
        for field in needed:
            if not field.data and not field.errors:
                field.errors = [*field.errors, REQUIRED]
                ok = False
        return ok

    def uses_token(self) -> bool:
        """KV/Kiyoh: the publication API token (default) rather than the older feed hash."""
        return self.credential_kind.data != CREDENTIAL_FEED

    def publication_secrets(self) -> tuple[str, str]:
        """(token, feed hash) as chosen: only the chosen kind's field is passed on."""
        if self.uses_token():
            return self.token.data or "", ""
        return "", self.feed_hash.data or ""


class OtherSystemForm(IdempotentForm, VersionedForm, SwitchMixin, FlaskForm):
    """Another review system, assessed by ledenservice."""

    name = StringField(
        _l("Naam van het systeem"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=120), SafeText()],
    )
    url = StringField(
        _l("Adres van uw openbare beoordelingspagina"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=300)],
        render_kw={"inputmode": "url", "placeholder": "https://"},
    )
    description = TextAreaField(
        _l("Korte beschrijving"),
        filters=[multiline_filter],
        validators=[DataRequired(REQUIRED), Length(max=2000), SafeText(multiline=True)],
    )
    evidence = FileField(_l("Bewijsstuk (optioneel)"))
    confirm_switch = BooleanField(SWITCH_TEXT)
    evidence_payload: tuple[str, str, bytes] | None = None

    def validate_url(self, field: Field) -> None:
        if not is_https_url(field.data or ""):
            raise ValidationError(_l("Vul een volledig webadres in dat begint met https://."))

    def validate_evidence(self, field: Field) -> None:
        """Optional; PDF, PNG or JPEG up to 2 MiB, judged by content; kept as (name, type, bytes)."""
        self.evidence_payload = read_evidence(field, required=False)


def is_https_url(value: str) -> bool:
    """An absolute https URL with a host, no spaces or control characters."""
    from urllib.parse import urlsplit

    if not value or len(value) > 300 or re.search(r"[\s\x00-\x1f\x7f]", value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname) and not parts.username


class ProvisionForm(FlaskForm):
    """Staff enter the location id and token of a new included Klantenvertellen account."""

    location_id = StringField(
        _l("Locatie-ID"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=64), _check_location_id],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    token = PasswordField(
        _l("API-token"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=128), _check_credential],
        render_kw={"autocomplete": "off"},
    )
    skip_check = BooleanField(
        _l("Opslaan zonder live controle (de synchronisatie controleert later)")
    )


class ActivateForm(SwitchMixin, FlaskForm):
    """Request the included Klantenvertellen; confirms the switch when a system is current."""

    confirm_switch = BooleanField(SWITCH_TEXT)
