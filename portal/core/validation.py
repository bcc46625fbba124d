"""Input normalisation and validators shared by every form."""

from __future__ import annotations

import re
import unicodedata
from typing import TypeVar
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from wtforms import Field, ValidationError
from wtforms.form import BaseForm

_T = TypeVar("_T")

CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
LINE_BREAK_RE = re.compile(r"[\r\n\x85\u2028\u2029]")
BIDI_RE = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
POSTCODE_RE = re.compile(r"^([1-9][0-9]{3})\s?([A-Za-z]{2})$")
KVK_RE = re.compile(r"^[0-9]{8}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-]{7,18}$")


def present(value: _T | None) -> _T:
    """A required field's data after validation passed.

    WTForms types every field's data as optional; the field's InputRequired/DataRequired
    validator has already refused a form without it, so None here is a programming error.
    """
    if value is None:
        raise ValueError("a required form field has no data after validation")
    return value


def add_error(field: Field, message: str) -> None:
    """Show `message` under `field` after the form was validated (a service refused the input).

    WTForms keeps ``errors`` as a list after ``validate()``; its stubs type it as a read-only
    sequence, so the list is rebuilt instead of appended to (same contents, same order).
    """
    field.errors = [*field.errors, message]


def clean_text(value: str | None, *, multiline: bool = False) -> str:
    """NFC-normalise and trim; tabs and newlines survive only in multi-line text."""
    if value is None:
        return ""
    value = unicodedata.normalize("NFC", str(value))
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.strip()


def has_control_chars(value: str, *, multiline: bool = False) -> bool:
    """True when text holds control, zero-width or bidi-override characters.

    CR and LF are not counted here: single-line fields check them with `has_line_break`.
    """
    check = value.replace("\n", "").replace("\t", "") if multiline else value
    return bool(CONTROL_RE.search(check))


def has_line_break(value: str) -> bool:
    """True when text holds a line break (CR, LF, NEL or a Unicode line/paragraph separator)."""
    return bool(LINE_BREAK_RE.search(value))


def normalise_postcode(value: str) -> str | None:
    """'1234ab' → '1234 AB'; None when it is not a Dutch postcode."""
    match = POSTCODE_RE.match(clean_text(value))
    if not match:
        return None
    return f"{match.group(1)} {match.group(2).upper()}"


def normalise_email(value: str) -> str | None:
    """Lower-cased, syntax-checked address without a DNS look-up; None when invalid."""
    value = clean_text(value)
    if not value or len(value) > 254 or has_control_chars(value):
        return None
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return None
    return result.normalized.lower()


def is_http_url(value: str) -> bool:
    """Only absolute http(s) URLs with a host are accepted for user-given links."""
    parts = urlsplit(value)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.netloc)
        and not any(c.isspace() for c in value)  # urlsplit silently drops tabs and newlines
        and not has_control_chars(value)
    )


def kvk_is_valid(value: str) -> bool:
    """Eight digits (the KvK number has no public check digit since 2016)."""
    return bool(KVK_RE.match(value))


class SafeText:
    """WTForms validator: no control or bidi characters; multi-line keeps newlines."""

    def __init__(self, *, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form: BaseForm, field: Field) -> None:
        if not field.data:
            return
        if not self.multiline and has_line_break(field.data):
            raise ValidationError(
                _l("Dit veld mag maar uit één regel bestaan. Haal de regelovergang weg.")
            )
        if has_control_chars(field.data, multiline=self.multiline):
            raise ValidationError(_l("Dit veld bevat tekens die niet zijn toegestaan."))


def strip_filter(value):
    """WTForms filter: NFC-normalise and trim strings."""
    return clean_text(value) if isinstance(value, str) else value


def multiline_filter(value):
    """WTForms filter for text areas."""
    return clean_text(value, multiline=True) if isinstance(value, str) else value


class Postcode:
    """WTForms validator and normaliser for Dutch postcodes."""

    def __call__(self, form: BaseForm, field: Field) -> None:
        if not field.data:
            return
        normalised = normalise_postcode(field.data)
        if normalised is None:
            raise ValidationError(_l("Vul een postcode in als 1234 AB."))
        field.data = normalised


class Email:
    """WTForms validator that also normalises the address."""

    def __call__(self, form: BaseForm, field: Field) -> None:
        if not field.data:
            return
        normalised = normalise_email(field.data)
        if normalised is None:
            raise ValidationError(_l("Vul een geldig e-mailadres in, zoals naam@bedrijf.nl."))
        field.data = normalised


class HttpUrl:
    """WTForms validator: an absolute http(s) address."""

    def __call__(self, form: BaseForm, field: Field) -> None:
        if field.data and not is_http_url(field.data):
            raise ValidationError(_l("Vul een volledig webadres in dat begint met https://."))


class Phone:
    """WTForms validator for Dutch and international phone numbers."""

    def __call__(self, form: BaseForm, field: Field) -> None:
        if field.data and not PHONE_RE.match(field.data):
            raise ValidationError(_l("Vul een geldig telefoonnummer in, zoals 030 123 45 67."))
