"""Consumer words for trades: the maintained list of synonyms and compounds, editable by admins.

One line per trade: the words consumers type, a colon, then the specialisms they mean, e.g.
`cv ketel, cv-ketel, cvketel: Verwarming`. Lines starting with `#` are comments. The words are
folded like all search text (`cv-ketel` and `cv ketel` are the same phrase). A typed word or
phrase from the list finds members with one of those specialisms, besides members whose name
holds the word.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import select

from portal.core import audit
from portal.core.db import AnySession, utcnow
from portal.directory import cache
from portal.directory.models import SearchWordList
from portal.directory.text import fold

if TYPE_CHECKING:
    from portal.auth.models import User

LIST_ID = 1
MAX_LINES = 300
MAX_BODY = 20_000
DEFAULT_LIST = """\
# Woorden die consumenten typen: vakgebieden die ze bedoelen
cv ketel, cv-ketel, cvketel, cv, ketel, verwarming, cv monteur: Verwarming
airco, airconditioning, klimaatbeheersing, klimaattechniek: Klimaattechniek
loodgieter, sanitair, badkamer, riolering, ontstopping: Sanitair
zonnepanelen, zonnepaneel, zonne-energie, zonnestroom, pv: Zonnepanelen
laadpaal, laadpalen, laadstation, thuislader: Laadpalen, Elektrotechniek
elektricien, elektra, elektrotechniek, groepenkast: Elektrotechniek
warmtepomp, warmtepompen, hybride warmtepomp: Warmtepompen
ventilatie, wtw, mechanische ventilatie: Ventilatie
dakdekker, dakwerk, dakgoot: Dakwerk
koeling, koeltechniek, koelcel: Koeltechniek
alarm, alarmsysteem, inbraakbeveiliging: Beveiliging
brandmelder, rookmelder, brandbeveiliging: Brandbeveiliging
domotica, smart home, slimme thermostaat: Domotica
gasleiding, gasfitter: Gas
netwerk, bekabeling, wifi: Data & netwerk
"""


@dataclass(frozen=True)
class Rule:
    """One line: folded consumer phrases and the specialism names they stand for."""

    phrases: tuple[str, ...]
    specialisms: tuple[str, ...]


def parse(body: str, known: set[str]) -> tuple[list[Rule], list[str]]:
    """The rules of a list and a Dutch error per bad line; `known` holds specialism names."""
    rules, errors = [], []
    by_fold = {fold(name): name for name in known}
    lines = body.splitlines()
    if len(lines) > MAX_LINES:
        errors.append(_("Gebruik hoogstens %(max)s regels.", max=MAX_LINES))
    for number, line in enumerate(lines[:MAX_LINES], start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words, colon, targets = line.partition(":")
        phrases = tuple(dict.fromkeys(p for p in (fold(w) for w in words.split(",")) if p))
        names = [t.strip() for t in targets.split(",") if t.strip()]
        unknown = [n for n in names if fold(n) not in by_fold]
        if not colon or not phrases or not names:
            errors.append(
                _("Regel %(n)s: schrijf ‘woorden: vakgebieden’, bijvoorbeeld "
                  "‘airco, airconditioning: Klimaattechniek’.", n=number)
            )  # fmt: skip
        elif unknown:
            errors.append(
                _("Regel %(n)s: onbekend vakgebied ‘%(name)s’.", n=number, name=unknown[0])
            )
        else:
            rules.append(Rule(phrases, tuple(by_fold[fold(n)] for n in names)))
    return rules, errors


def current_list(session: AnySession) -> SearchWordList | None:
    """The stored list, or None while the shipped one applies."""
    return session.get(SearchWordList, LIST_ID)


def current_body(session: AnySession) -> str:
    """The list text in force (the admins' version, else the shipped default)."""
    stored = session.scalar(select(SearchWordList.body).where(SearchWordList.id == LIST_ID))
    return DEFAULT_LIST if stored is None else stored


def save(session: AnySession, body: str, *, by: User) -> bool:
    """Store the list (already validated), audit and invalidate cached searches; never commits.

    Returns False when nothing changed.
    """
    body = body.replace("\r\n", "\n").strip() + "\n"
    before = current_body(session)
    if body == before:
        return False
    row = current_list(session)
    if row is None:
        row = SearchWordList(id=LIST_ID, body=body)
        session.add(row)
    row.body = body
    row.updated_by_id = getattr(by, "id", None)
    session.flush()
    cache.bump(session, now=utcnow())  # vocabulary and cached results used the old list
    audit.record(
        "directory.search_words_updated",
        actor=by,
        subject_type="settings",
        changes={"lines": [len(before.splitlines()), len(body.splitlines())]},
    )
    return True
