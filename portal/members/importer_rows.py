"""Columns and rows of the association's member-register export: mapping and validation.

Pure functions (no database): header variants in Dutch and English map to fields, and each row
becomes a dict of normalised values plus Dutch error messages.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.core.validation import (
    clean_text,
    has_control_chars,
    kvk_is_valid,
    normalise_email,
    normalise_postcode,
)
from portal.members.models import MembershipStatus

# field: (label, header variants as folded by `fold`, maximum length)
COLUMNS: dict[str, tuple[Any, tuple[str, ...], int]] = {
    "member_number": (_l("Lidnummer"), ("lidnummer", "lid nummer", "lidnr", "lid nr", "member number", "membership number", "member id"), 20),
    "kvk_number": (_l("KvK-nummer"), ("kvk", "kvk nummer", "kvknummer", "kvk nr", "coc", "coc number", "chamber of commerce number", "kvk number"), 20),
    "legal_name": (_l("Statutaire naam"), ("statutaire naam", "statutairenaam", "naam", "bedrijfsnaam", "legal name", "company name", "name"), 200),
    "trade_name": (_l("Handelsnaam"), ("handelsnaam", "trade name", "trading name"), 200),
    "street": (_l("Straat"), ("straat", "straatnaam", "street", "street name"), 200),
    "house_number": (_l("Huisnummer"), ("huisnummer", "huisnr", "nummer", "house number", "number"), 10),
    "house_number_addition": (_l("Toevoeging"), ("toevoeging", "huisnummertoevoeging", "huisnummer toevoeging", "addition", "house number addition", "suffix"), 10),
    "postcode": (_l("Postcode"), ("postcode", "post code", "postal code", "zip", "zipcode", "zip code"), 10),
    "city": (_l("Plaats"), ("plaats", "woonplaats", "vestigingsplaats", "stad", "city", "town", "place"), 100),
    "email": (_l("E-mail"), ("e mail", "email", "e mailadres", "emailadres", "mail", "email address", "e mail address"), 254),
    "specialisms": (_l("Vakgebieden"), ("vakgebieden", "vakgebied", "specialismen", "specialisme", "specialisms", "specialism", "specialities"), 1000),
    "status": (_l("Status"), ("status", "lidmaatschapsstatus", "lidmaatschap status", "membership status"), 30),
    "member_since": (_l("Lid sinds"), ("lid sinds", "lidsinds", "lid vanaf", "ingangsdatum", "begindatum", "member since", "start date"), 30),
    "membership_ended_on": (_l("Einddatum"), ("einddatum", "einde lidmaatschap", "beeindigd op", "opzegdatum", "end date", "ended on", "membership ended on"), 30),
    "establishment_number": (_l("Vestigingsnummer"), ("vestigingsnummer", "vestigingsnr", "vestiging nummer", "vestigings nummer", "vestiging nr", "kvk vestigingsnummer", "establishment number", "branch number"), 20),
    "recognitions": (_l("Erkenningen"), ("erkenningen", "erkenning", "certificeringen", "certificering", "keurmerken", "recognitions", "recognition", "certifications"), 1000),
}  # fmt: skip
REQUIRED = ("member_number", "kvk_number", "legal_name", "status")
TEXT_FIELDS = ("legal_name", "trade_name", "street", "house_number", "house_number_addition", "city")  # fmt: skip
STATUS_WORDS = {
    "actief": MembershipStatus.ACTIVE, "active": MembershipStatus.ACTIVE, "lid": MembershipStatus.ACTIVE,
    "geschorst": MembershipStatus.SUSPENDED, "opgeschort": MembershipStatus.SUSPENDED,
    "suspended": MembershipStatus.SUSPENDED,
    "beeindigd": MembershipStatus.ENDED, "opgezegd": MembershipStatus.ENDED, "ex lid": MembershipStatus.ENDED,
    "uitgeschreven": MembershipStatus.ENDED, "ended": MembershipStatus.ENDED,
    "terminated": MembershipStatus.ENDED,
}  # fmt: skip
MEMBER_NUMBER_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")
DATE_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"), (1, 2, 3)),
    (re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$"), (3, 2, 1)),
)
SPLIT_RE = re.compile(r"\s*[;|]\s*")
RECOGNITION_SPLIT_RE = re.compile(r"\s*[;,|]\s*")
ESTABLISHMENT_RE = re.compile(r"^[0-9]{12}$")
ECHO_MAX = 40


class ImportFileError(Exception):
    """The file as a whole does not fit the register format (Dutch message)."""


def fold(value: str) -> str:
    """'Beëindigd  op' → 'beeindigd op': lower case, no accents, words joined by one space."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.split(r"[^a-z0-9]+", plain)).strip()


def map_columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Field → column index, plus the header names that are ignored.

    :raises ImportFileError: a required column is missing or a field appears twice.
    """
    lookup = {
        variant: name for name, (_label, variants, _max) in COLUMNS.items() for variant in variants
    }
    found: dict[str, int] = {}
    ignored = []
    for index, title in enumerate(header):
        name = lookup.get(fold(title))
        if name is None:
            if title:
                ignored.append(title)
            continue
        if name in found:
            raise ImportFileError(
                _("De kolom '%(column)s' komt twee keer voor.", column=str(COLUMNS[name][0]))
            )
        found[name] = index
    missing = [str(COLUMNS[name][0]) for name in REQUIRED if name not in found]
    if missing:
        raise ImportFileError(
            _(
                "Dit is geen ledenregister: de kolom(men) %(missing)s ontbreken. Verwacht worden "
                "onder meer lidnummer, KvK, statutaire naam en status.",
                missing=", ".join(missing),
            )
        )
    return found, ignored


def _echo(value: str) -> str:
    return value if len(value) <= ECHO_MAX else value[: ECHO_MAX - 1] + "…"


def parse_date(value: str) -> date | None:
    """ISO (2024-12-31, also with a time) or Dutch day-first dates (31-12-2024, 31/12/2024)."""
    for pattern, (y, m, d) in DATE_PATTERNS:
        match = pattern.match(value)
        if match:
            try:
                parsed = date(int(match.group(y)), int(match.group(m)), int(match.group(d)))
            except ValueError:
                return None
            return parsed if 1900 <= parsed.year <= 2100 else None
    return None


def validate_row(
    values: list[str],
    columns: dict[str, int],
    specialisms: dict[str, str],
    recognitions: dict[str, str] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Normalised data and Dutch errors for one row.

    Optional fields that are empty are left out of the data (an empty cell changes nothing);
    `specialisms` and `recognitions` map folded names and slugs of the managed lists to slugs.
    """
    raw = {name: clean_text(values[index]) for name, index in columns.items()}
    data: dict[str, Any] = {}
    errors: list[str] = []
    _identity(raw, data, errors)
    _texts(raw, data, errors)
    _contact(raw, data, errors)
    _status_and_dates(raw, data, errors)
    if raw.get("specialisms"):
        slugs, unknown = _managed(raw["specialisms"], specialisms, SPLIT_RE)
        for part in unknown:
            errors.append(_("Onbekend vakgebied '%(name)s'. Gebruik de namen uit de vakgebiedenlijst van het portaal.", name=_echo(part)))  # fmt: skip
        data["specialisms"] = slugs
    if raw.get("recognitions"):
        slugs, unknown = _managed(raw["recognitions"], recognitions or {}, RECOGNITION_SPLIT_RE)
        for part in unknown:
            errors.append(_("Onbekende erkenning '%(name)s'. Gebruik de namen uit de erkenningenlijst van het portaal, gescheiden door ; of ,.", name=_echo(part)))  # fmt: skip
        data["recognitions"] = slugs
    return data, errors


def _managed(
    text: str, lookup: dict[str, str], separator: re.Pattern
) -> tuple[list[str], list[str]]:
    """Sorted known slugs and the unknown names of a cell listing managed-list entries."""
    slugs, unknown = set(), []
    for part in filter(None, separator.split(text)):
        slug = lookup.get(fold(part))
        if slug:
            slugs.add(slug)
        else:
            unknown.append(part)
    return sorted(slugs), unknown


def _identity(raw: dict[str, str], data: dict[str, Any], errors: list[str]) -> None:
    number = raw.get("member_number", "").upper().replace(" ", "")
    if not number:
        errors.append(_("Lidnummer ontbreekt."))
    elif not MEMBER_NUMBER_RE.match(number):
        errors.append(_("Lidnummer '%(value)s' is ongeldig: gebruik letters, cijfers en -, hoogstens 20 tekens.", value=_echo(number)))  # fmt: skip
    else:
        data["member_number"] = number
    kvk = re.sub(r"[\s.]", "", raw.get("kvk_number", ""))
    if not kvk_is_valid(kvk):
        errors.append(_("KvK-nummer '%(value)s' is ongeldig: vul 8 cijfers in (Excel laat voorloopnullen soms weg).", value=_echo(kvk)))  # fmt: skip
    else:
        data["kvk_number"] = kvk
    establishment = re.sub(r"[\s.]", "", raw.get("establishment_number", ""))
    if establishment and not ESTABLISHMENT_RE.match(establishment):
        errors.append(_("Vestigingsnummer '%(value)s' is ongeldig: vul 12 cijfers in (Excel laat voorloopnullen soms weg).", value=_echo(establishment)))  # fmt: skip
    elif establishment:
        data["establishment_number"] = establishment


def _texts(raw: dict[str, str], data: dict[str, Any], errors: list[str]) -> None:
    for name in TEXT_FIELDS:
        value = raw.get(name, "")
        label, _variants, maximum = COLUMNS[name]
        if not value:
            if name == "legal_name":
                errors.append(_("Statutaire naam ontbreekt."))
            continue
        if has_control_chars(value):
            errors.append(_("%(field)s bevat tekens die niet zijn toegestaan.", field=str(label)))
        elif len(value) > maximum:
            errors.append(_("%(field)s is te lang: hoogstens %(max)s tekens.", field=str(label), max=maximum))  # fmt: skip
        else:
            data[name] = value


def _contact(raw: dict[str, str], data: dict[str, Any], errors: list[str]) -> None:
    if raw.get("postcode"):
        postcode = normalise_postcode(raw["postcode"])
        if postcode is None:
            errors.append(_("Postcode '%(value)s' is ongeldig: gebruik de vorm 1234 AB.", value=_echo(raw["postcode"])))  # fmt: skip
        else:
            data["postcode"] = postcode
    if raw.get("email"):
        email = normalise_email(raw["email"])
        if email is None:
            errors.append(_("E-mailadres '%(value)s' is ongeldig.", value=_echo(raw["email"])))
        else:
            data["email"] = email


def _status_and_dates(raw: dict[str, str], data: dict[str, Any], errors: list[str]) -> None:
    status_text = raw.get("status", "")
    status = STATUS_WORDS.get(fold(status_text))
    if not status_text:
        errors.append(_("Status ontbreekt: gebruik actief, geschorst of beëindigd."))
    elif status is None:
        errors.append(_("Onbekende status '%(value)s': gebruik actief, geschorst of beëindigd.", value=_echo(status_text)))  # fmt: skip
    else:
        data["membership_status"] = status.value
    for name in ("member_since", "membership_ended_on"):
        text = raw.get(name, "")
        if not text:
            continue
        parsed = parse_date(text)
        if parsed is None:
            errors.append(_("%(field)s '%(value)s' is geen geldige datum: gebruik bijvoorbeeld 31-12-2024.", field=str(COLUMNS[name][0]), value=_echo(text)))  # fmt: skip
        else:
            data[name] = parsed.isoformat()
    since, ended = data.get("member_since"), data.get("membership_ended_on")
    if since and ended and ended < since:
        errors.append(_("De einddatum ligt vóór de datum lid sinds."))


def mark_duplicates(rows: list[dict[str, Any]]) -> None:
    """Every row whose lidnummer appears more than once in the file gets an error."""
    lines_by_number: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        number = row["data"].get("member_number")
        if number:
            lines_by_number[number].append(row["line"])
    for row in rows:
        lines = lines_by_number.get(row["data"].get("member_number", ""), [])
        if len(lines) > 1:
            row["errors"].append(
                _(
                    "Lidnummer %(number)s staat meer dan eens in het bestand (rijen %(lines)s).",
                    number=row["data"]["member_number"],
                    lines=", ".join(str(n) for n in lines[:10]),
                )
            )
