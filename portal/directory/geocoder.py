"""Postcode and place → coordinates: PDOK Locatieserver or offline data, cached in the database.

The offline geocoder needs no network: centroids of member postcodes (computed in SQL) and the
shipped place list portal/data/places.csv (name, province, lat, lon, PC4 range). PDOK is used
only when GEOCODER=pdok; every answer, including "does not exist", lands in GeocodeCache so all
workers share it. Only the offline geocoder's answers (from the member data and the place list)
are held in process memory, per directory version and database (`geocoder_for`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.config import PDOK_URL
from portal.core.db import AnySession, database_key, utcnow
from portal.core.validation import normalise_postcode
from portal.data.places import Place, load_places
from portal.directory.geo import Point
from portal.directory.models import GeocodeCache
from portal.directory.text import fold
from portal.members.models import Company

if TYPE_CHECKING:
    import requests

PC4_RE = re.compile(r"^\s*([1-9][0-9]{3})\s*$")
POINT_RE = re.compile(r"^POINT\(\s*(-?[0-9.]+)\s+(-?[0-9.]+)\s*\)$")
FOUND_TTL = timedelta(days=90)
MISSING_TTL = timedelta(days=1)
MAX_QUERY_LENGTH = 80
NEAR_RANGE = 5  # a PC4 this close to a listed town's range is placed at that town
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Query:
    """A parsed location question: kind is pc6, pc4 or place."""

    kind: str
    value: str  # '3511 AB', '3511' or the folded place name
    text: str  # what the user typed, cleaned

    @property
    def cache_key(self) -> str:
        return f"{self.kind}:{self.value.replace(' ', '')}"


@dataclass(frozen=True)
class Location:
    """A resolved location with a label for the page ("3511 AB", "Utrecht")."""

    point: Point
    label: str


class Geocoder(Protocol):
    """Resolves a parsed query without caching; None when it does not exist."""

    def lookup(self, query: Query) -> Location | None: ...


def parse_query(text: str) -> Query | None:
    """Classify user input as PC6, PC4 or a place name; None when it is unusable."""
    text = " ".join((text or "").split())[:MAX_QUERY_LENGTH]
    if not text:
        return None
    pc6 = normalise_postcode(text)
    if pc6:
        return Query("pc6", pc6, text)
    match = PC4_RE.match(text)
    if match:
        return Query("pc4", match.group(1), text)
    folded = fold(text)[:MAX_QUERY_LENGTH]
    return Query("place", folded, text) if folded else None


def locate(
    session: AnySession, geocoder: Geocoder, query: Query, *, now: datetime
) -> Location | None:
    """Cached lookup: a fresh cache row answers, else ask the geocoder and remember it.

    An offline geocoder with a `memo` (see `geocoder_for`) answers from that instead: its
    answers come from the member data and the shipped place list, so they are kept in the
    process for the directory version (every change of member data moves it on) rather than
    written to the shared table on every first search for a place (a commit per new place).
    """
    memo = getattr(geocoder, "memo", None)
    if memo is not None:
        if query.cache_key not in memo:
            if len(memo) >= MEMO_MAX:
                memo.clear()
            memo[query.cache_key] = geocoder.lookup(query)
        return memo[query.cache_key]
    row = session.connection().execute(_CACHED, {"key": query.cache_key}).first()
    if row is not None and row.expires_at > now:
        if row.latitude is None or row.longitude is None:
            return None
        return Location(Point(row.latitude, row.longitude), row.label)
    location = geocoder.lookup(query)
    _remember(session, query, location, source=getattr(geocoder, "source", ""), now=now)
    for held in list(session.identity_map.values()):  # a loaded row must not hide the new one
        if isinstance(held, GeocodeCache) and held.key == query.cache_key:
            session.expire(held)
    return location


# The cached answer as plain columns: no ORM identity map work on every located search.
_CACHE_TABLE = GeocodeCache.__table__.c
_CACHED = select(
    _CACHE_TABLE.latitude, _CACHE_TABLE.longitude, _CACHE_TABLE.label, _CACHE_TABLE.expires_at
).where(_CACHE_TABLE.key == bindparam("key"))


def _remember(
    session: AnySession, query: Query, location: Location | None, *, source: str, now: datetime
) -> None:
    """Upsert the answer so concurrent workers never collide on the key."""
    values = {
        "key": query.cache_key,
        "latitude": location.point.latitude if location else None,
        "longitude": location.point.longitude if location else None,
        "label": location.label[:200] if location else "",
        "source": source[:20],
        "created_at": now,
        "expires_at": now + (FOUND_TTL if location else MISSING_TTL),
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(GeocodeCache).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["key"], set_={k: v for k, v in values.items() if k != "key"}
    )
    session.execute(stmt)


class OfflineGeocoder:
    """Member postcode centroids from the database, then the shipped place list."""

    source = "offline"

    def __init__(
        self,
        session: AnySession,
        places: Callable[[], list[Place]] = load_places,
        memo: dict[str, Location | None] | None = None,
    ):
        self.session = session
        self.places = places
        self.memo = memo  # answers kept per directory version (locate), or None: the table

    def lookup(self, query: Query) -> Location | None:
        if query.kind == "pc6":
            found = self._centroid(Company.postcode == query.value)
            if found:
                return Location(found, query.value)
            return self._pc4(query.value[:4], label=query.value)
        if query.kind == "pc4":
            return self._pc4(query.value, label=query.value)
        return self._place(query)

    def _centroid(self, condition: ColumnElement[bool]) -> Point | None:
        """Average position of geocoded member companies matching `condition`, in SQL."""
        lat, lon = self.session.execute(
            select(func.avg(Company.latitude), func.avg(Company.longitude)).where(
                condition, Company.latitude.is_not(None), Company.longitude.is_not(None)
            )
        ).one()
        return Point(float(lat), float(lon)) if lat is not None and lon is not None else None

    def _pc4(self, pc4: str, *, label: str) -> Location | None:
        """Members in the PC4, the place list's ranges, members in the PC3, a near range."""
        found = self._centroid(Company.postcode.between(f"{pc4} AA", f"{pc4} ZZ"))
        if found:
            return Location(found, label)
        number = int(pc4)
        places = self.places()
        inside = [p for p in places if p.pc4_from <= number <= p.pc4_to]
        if inside:
            place = min(inside, key=lambda p: p.pc4_to - p.pc4_from)
            return Location(Point(place.lat, place.lon), f"{label} ({place.name})")
        found = self._centroid(Company.postcode.between(f"{pc4[:3]}0 AA", f"{pc4[:3]}9 ZZ"))
        if found:
            return Location(found, label)
        nearest: tuple[int, Place] | None = min(
            ((min(abs(number - p.pc4_from), abs(number - p.pc4_to)), p) for p in places),
            key=lambda pair: pair[0],
            default=None,
        )
        if nearest is None or nearest[0] > NEAR_RANGE:
            return None
        place = nearest[1]
        return Location(
            Point(place.lat, place.lon), f"{label} ({_('omgeving %(place)s', place=place.name)})"
        )

    def _place(self, query: Query) -> Location | None:
        for place in self.places():
            if fold(place.name) == query.value:
                return Location(Point(place.lat, place.lon), place.name)
        found = self._centroid(func.lower(Company.city) == query.text.lower())
        return Location(found, query.text) if found else None


class PdokGeocoder:
    """The public PDOK Locatieserver, falling back to offline data when it fails or misses."""

    source = "pdok"

    def __init__(
        self,
        http: requests.Session,
        fallback: Geocoder,
        *,
        url: str = PDOK_URL,
        timeout: tuple[float, float] = (3.05, 5),
    ) -> None:
        self.http = http  # a requests.Session (or a fake with the same get())
        self.fallback = fallback
        self.url = url
        self.timeout = timeout

    def lookup(self, query: Query) -> Location | None:
        if query.kind == "pc4":  # PDOK has no PC4 type; member data is better here
            return self.fallback.lookup(query) or self._ask(query)
        return self._ask(query) or self.fallback.lookup(query)

    def _ask(self, query: Query) -> Location | None:
        kind = "woonplaats" if query.kind == "place" else "postcode"
        params: dict[str, str | int] = {
            "q": query.value.replace(" ", "") if kind == "postcode" else query.text,
            "fq": f"type:{kind}",
            "rows": 1,
            "fl": "weergavenaam,centroide_ll,type",
        }
        try:
            response = self.http.get(
                self.url, params=params, timeout=self.timeout, allow_redirects=False
            )
            if response.status_code != 200 or "json" not in response.headers.get(
                "Content-Type", ""
            ):
                log.warning("pdok geocoder answered %s", response.status_code)
                return None
            docs = response.json().get("response", {}).get("docs", [])
        except Exception as exc:  # network, JSON or shape: fall back offline
            log.warning("pdok geocoder failed: %s", type(exc).__name__)
            return None
        return _pdok_location(docs[0]) if docs and isinstance(docs[0], dict) else None


def _pdok_location(doc: dict) -> Location | None:
    """Parse one PDOK doc; only points inside the Netherlands are accepted."""
    match = POINT_RE.match(str(doc.get("centroide_ll", "")))
    if not match:
        return None
    lon, lat = float(match.group(1)), float(match.group(2))
    if not (50.6 <= lat <= 53.7 and 3.2 <= lon <= 7.3):
        return None
    return Location(Point(lat, lon), str(doc.get("weergavenaam", ""))[:200])


def geocoder_for(
    config: Mapping[str, Any], session: AnySession, *, version: int | str | None = None
) -> Geocoder:
    """The configured geocoder: GEOCODER=pdok for PDOK with offline fallback, else offline.

    `version`: the directory version or its generation tag; the offline geocoder then keeps its
    answers in the process for that version of the session's database (see `locate`). PDOK's
    answers always go to the shared table.
    """
    if config.get("GEOCODER") == "pdok":
        import requests

        return PdokGeocoder(
            requests.Session(),
            OfflineGeocoder(session),
            url=config.get("GEOCODER_PDOK_URL", PDOK_URL),
        )
    return OfflineGeocoder(session, memo=None if version is None else _memo(version, session))


MEMO_MAX = 20_000  # offline answers kept per process; the memo starts over when full
# app.extensions: ((directory version, database key), {cache key: answer}). Two databases can be
# at the same version number; the key keeps one's places and postcodes from answering the other.
_MEMO = "directory_geocode_memo"


def _memo(version: int | str, session: AnySession) -> dict[str, Location | None]:
    key = (version, database_key(session))
    held = current_app.extensions.get(_MEMO)
    if held is None or held[0] != key:
        held = current_app.extensions[_MEMO] = (key, {})
    return held[1]


def now_utc() -> datetime:
    """Indirection for tests."""
    return utcnow()
