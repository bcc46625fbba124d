"""Customer lists: recognise the columns (Dutch and English headers) and check every row."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from portal.core.uploads import ParsedTable
from portal.core.validation import has_control_chars, normalise_email

HEADER_ALIASES = {
    "email": {"email", "e-mail", "emailadres", "e-mailadres", "mail", "mailadres", "emailaddress", "e-mailaddress", "klantemail", "e-mailklant"},
    "first_name": {"voornaam", "firstname", "first name", "roepnaam", "voorletters"},
    "infix": {"tussenvoegsel", "tussenvoegsels", "tussenv"},
    "last_name": {"achternaam", "lastname", "last name", "surname", "familienaam", "naam", "name", "klantnaam"},
    "reference": {"referentie", "reference", "ref", "kenmerk", "ordernummer", "order", "factuurnummer", "factuur", "klantnummer", "opdrachtnummer", "werkbon", "referencecode"},
}  # fmt: skip
NAME_MAX = 100
REFERENCE_MAX = 100


def _key(header: str) -> str:
    return re.sub(r"[\s_.:]+", " ", header.strip().lower()).strip()


def _compact(header: str) -> str:
    return _key(header).replace(" ", "")


class ColumnError(Exception):
    """The file has no usable e-mail column; nothing is imported."""


def map_columns(header: list[str]) -> dict[str, int]:
    """Column index per field; the first matching header wins.

    :raises ColumnError: no e-mail column.
    """
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        key, compact = _key(name), _compact(name)
        for field_name, aliases in HEADER_ALIASES.items():
            if field_name not in found and (key in aliases or compact in aliases):
                found[field_name] = index
                break
    if "email" not in found:
        raise ColumnError(
            _(
                "Geen kolom met e-mailadressen gevonden. Geef de eerste rij de kopjes e-mail, voornaam, achternaam en referentie."
            )
        )
    return found


@dataclass
class Candidate:
    """One valid row, ready to become an invitation."""

    line: int
    email: str
    first_name: str = ""
    last_name: str = ""
    reference: str = ""


@dataclass
class Checked:
    """Valid rows and per-row problems (messages never contain the address)."""

    candidates: list[Candidate] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)


def _cell(values: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return values[index].strip() if index is not None and index < len(values) else ""


def _text_ok(value: str, limit: int) -> bool:
    return len(value) <= limit and not has_control_chars(value)


def check_rows(table: ParsedTable, columns: dict[str, int], *, cap: int) -> Checked:
    """Validate each row: formula cells, e-mail, names, duplicates in the file, the row cap."""
    result = Checked()
    first_line: dict[str, int] = {}
    for line, values, parse_problem in table.iter_rows():
        if parse_problem:
            result.problems.append({"line": line, "message": parse_problem})
            continue
        raw_email = _cell(values, columns, "email")
        email = normalise_email(raw_email) if raw_email else None
        first = _cell(values, columns, "first_name")
        last = " ".join(
            p for p in (_cell(values, columns, "infix"), _cell(values, columns, "last_name")) if p
        )
        reference = _cell(values, columns, "reference")
        message = None
        if not raw_email:
            message = _("Rij %(line)s heeft geen e-mailadres.", line=line)
        elif email is None:
            message = _("Rij %(line)s heeft een ongeldig e-mailadres.", line=line)
        elif not (_text_ok(first, NAME_MAX) and _text_ok(last, NAME_MAX)):
            message = _(
                "Rij %(line)s heeft een te lange naam of ongeldige tekens in de naam.", line=line
            )
        elif not _text_ok(reference, REFERENCE_MAX):
            message = _(
                "Rij %(line)s heeft een te lange referentie of ongeldige tekens.", line=line
            )
        elif email in first_line:
            message = _(
                "Rij %(line)s: dit e-mailadres staat ook op rij %(first)s.",
                line=line,
                first=first_line[email],
            )
        elif len(result.candidates) >= cap:
            message = _(
                "Rij %(line)s valt boven het maximum van %(cap)s uitnodigingen per bestand.",
                line=line,
                cap=f"{cap:,}".replace(",", "."),
            )
        if message or email is None:
            result.problems.append({"line": line, "message": message})
            continue
        first_line[email] = line
        result.candidates.append(Candidate(line, email, first, last, reference))
    return result
