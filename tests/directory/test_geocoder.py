"""Geocoding: input parsing, offline data, the database cache, and PDOK through a fake."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from portal.data.places import Place
from portal.directory.geo import Point
from portal.directory.geocoder import (
    Location,
    OfflineGeocoder,
    PdokGeocoder,
    Query,
    geocoder_for,
    locate,
    parse_query,
)
from portal.directory.models import GeocodeCache
from portal.extensions import db
from tests.directory.conftest import NOW

PLACES = [
    Place("Utrecht", "Utrecht", 52.0907, 5.1214, 3511, 3585),
    Place("Zeist", "Utrecht", 52.0894, 5.2333, 3701, 3709),
    Place("'s-Hertogenbosch", "Noord-Brabant", 51.6978, 5.3037, 5211, 5237),
]


@pytest.mark.parametrize(
    ("text", "kind", "value", "key"),
    [
        ("3511ab", "pc6", "3511 AB", "pc6:3511AB"),
        (" 3511 AB ", "pc6", "3511 AB", "pc6:3511AB"),
        ("3511  ab", "pc6", "3511 AB", "pc6:3511AB"),
        ("3511", "pc4", "3511", "pc4:3511"),
        ("Utrecht", "place", "utrecht", "place:utrecht"),
        ("'s-Hertogenbosch", "place", "s hertogenbosch", "place:shertogenbosch"),
        ("ZEÏST", "place", "zeist", "place:zeist"),
    ],
)
def test_parse_query_normalises_postcodes_and_places(text, kind, value, key):
    query = parse_query(text)
    assert (query.kind, query.value, query.cache_key) == (kind, value, key)


@pytest.mark.parametrize("text", ["", "   ", "---", "0123"])
def test_parse_query_rejects_unusable_input(text):
    result = parse_query(text)
    assert result is None or result.kind == "place"
    if text == "0123":  # no Dutch postcode starts with 0: treated as a (unknown) place name
        assert result == Query("place", "0123", "0123")


def test_offline_place_list_and_pc4_ranges(app):
    geocoder = OfflineGeocoder(db.session, places=lambda: PLACES)
    assert geocoder.lookup(parse_query("zeist")).point == Point(52.0894, 5.2333)
    assert geocoder.lookup(parse_query("'s Hertogenbosch")).label == "'s-Hertogenbosch"
    found = geocoder.lookup(parse_query("3705"))
    assert (found.point, found.label) == (Point(52.0894, 5.2333), "3705 (Zeist)")
    near = geocoder.lookup(parse_query("3712"))  # 3 past Zeist's range
    assert near.label == "3712 (omgeving Zeist)"
    assert geocoder.lookup(parse_query("9999")) is None
    assert geocoder.lookup(parse_query("Nergenshuizen")) is None


def test_offline_member_centroids_beat_the_place_list(app, make_company):
    make_company(postcode="3705 AB", latitude=52.10, longitude=5.20)
    make_company(postcode="3705 CD", latitude=52.12, longitude=5.24)
    make_company(postcode="3791 AB", latitude=52.20, longitude=5.40)
    make_company(postcode="3799 XX", latitude=None, longitude=None)
    geocoder = OfflineGeocoder(db.session, places=lambda: PLACES)
    pc6 = geocoder.lookup(parse_query("3705ab"))
    assert pc6.point == Point(52.10, 5.20)
    pc4 = geocoder.lookup(parse_query("3705"))
    assert pc4.point.latitude == pytest.approx(52.11)
    assert pc4.point.longitude == pytest.approx(5.22)
    # PC6 without members falls back to its PC4 centroid.
    assert geocoder.lookup(parse_query("3705 ZZ")).point.latitude == pytest.approx(52.11)
    # A PC4 outside every range, with members elsewhere in its PC3 area (3790-3799).
    assert geocoder.lookup(parse_query("3790")).point == Point(52.20, 5.40)


def test_answers_and_misses_are_cached_in_the_database(app):
    calls = []

    class Counting:
        source = "fake"

        def lookup(self, query):
            calls.append(query.cache_key)
            return (
                None
                if query.value == "nergens"
                else OfflineGeocoder(db.session, places=lambda: PLACES).lookup(query)
            )

    geocoder = Counting()
    first = locate(db.session, geocoder, parse_query("Utrecht"), now=NOW)
    again = locate(db.session, geocoder, parse_query("UTRECHT"), now=NOW + timedelta(days=89))
    assert first == again
    assert calls == ["place:utrecht"]
    assert locate(db.session, geocoder, parse_query("Nergens"), now=NOW) is None
    assert (
        locate(db.session, geocoder, parse_query("Nergens"), now=NOW + timedelta(hours=23)) is None
    )
    assert calls == ["place:utrecht", "place:nergens"]
    row = db.session.get(GeocodeCache, "place:nergens")
    assert (row.latitude, row.source) == (None, "fake")
    # Expired: asked again, and the row is updated in place (an upsert, no duplicate key).
    locate(db.session, geocoder, parse_query("Utrecht"), now=NOW + timedelta(days=91))
    assert calls[-1] == "place:utrecht"
    assert db.session.query(GeocodeCache).count() == 2


class FakeResponse:
    def __init__(self, status=200, payload=None, content_type="application/json"):
        self.status_code = status
        self.headers = {"Content-Type": content_type}
        self._payload = payload

    def json(self):
        if isinstance(self._payload, Exception):
            raise self._payload
        return self._payload


class FakeHttp:
    """Stands in for requests.Session: records calls, answers from a script."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []

    def get(self, url, **kwargs):
        self.calls.append((url, kwargs))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def pdok_doc(point="POINT(5.11764 52.09203)", name="3511AB Utrecht"):
    return {"response": {"numFound": 1, "docs": [{"weergavenaam": name, "centroide_ll": point}]}}


def test_pdok_success_is_parsed_with_timeouts_and_no_redirects(app):
    http = FakeHttp(FakeResponse(payload=pdok_doc()))
    geocoder = PdokGeocoder(http, OfflineGeocoder(db.session, places=lambda: PLACES))
    found = geocoder.lookup(parse_query("3511ab"))
    assert found == found.__class__(Point(52.09203, 5.11764), "3511AB Utrecht")
    url, kwargs = http.calls[0]
    assert url == "https://api.pdok.nl/bzk/locatieserver/search/v3_1/free"
    assert kwargs["params"]["q"] == "3511AB"
    assert kwargs["params"]["fq"] == "type:postcode"
    assert kwargs["allow_redirects"] is False
    assert kwargs["timeout"] == (3.05, 5)


@pytest.mark.parametrize(
    "answer",
    [
        requests.ConnectionError("down"),
        requests.Timeout("slow"),
        FakeResponse(status=503),
        FakeResponse(content_type="text/html"),
        FakeResponse(payload=ValueError("bad json")),
        FakeResponse(payload={"response": {"docs": []}}),
        FakeResponse(payload=pdok_doc(point="POINT(-74.0 40.7)")),  # not in the Netherlands
        FakeResponse(payload=pdok_doc(point="garbage")),
        FakeResponse(payload=["not", "an", "object"]),
    ],
)
def test_pdok_failures_fall_back_to_offline_data(app, answer):
    geocoder = PdokGeocoder(FakeHttp(answer), OfflineGeocoder(db.session, places=lambda: PLACES))
    found = geocoder.lookup(parse_query("Utrecht"))
    assert found.point == Point(52.0907, 5.1214)


def test_pdok_asks_places_as_woonplaats_and_pc4_offline_first(app):
    http = FakeHttp(FakeResponse(payload=pdok_doc("POINT(5.2333 52.0894)", "Zeist")))
    geocoder = PdokGeocoder(http, OfflineGeocoder(db.session, places=lambda: PLACES))
    assert geocoder.lookup(parse_query("Zeist")).label == "Zeist"
    assert http.calls[0][1]["params"]["fq"] == "type:woonplaats"
    assert geocoder.lookup(parse_query("3511")).label == "3511 (Utrecht)"
    assert len(http.calls) == 1  # PC4 answered offline, PDOK not asked


def test_geocoder_choice_follows_the_setting(app):
    assert isinstance(geocoder_for({"GEOCODER": "offline"}, db.session), OfflineGeocoder)
    assert isinstance(geocoder_for({}, db.session), OfflineGeocoder)
    chosen = geocoder_for({"GEOCODER": "pdok"}, db.session)
    assert isinstance(chosen, PdokGeocoder)
    assert isinstance(chosen.http, requests.Session)


def test_offline_answers_are_kept_per_directory_version_without_table_writes(app, monkeypatch):
    """The offline geocoder's answers come from member data: kept in the process for the
    directory version instead of a commit to the shared table per new place."""
    from portal.directory import geocoder as geocoding

    asked = []
    real = OfflineGeocoder.lookup

    def counting(self, query):
        asked.append(query.cache_key)
        return real(self, query)

    monkeypatch.setattr(OfflineGeocoder, "lookup", counting)
    monkeypatch.setattr(geocoding, "load_places", lambda: PLACES)
    with app.test_request_context():
        for _round in range(2):
            found = geocoding.geocoder_for(app.config, db.session, version=7)
            utrecht = locate(db.session, found, parse_query("Utrecht"), now=NOW)
            assert utrecht is not None and utrecht.label == "Utrecht"
            assert locate(db.session, found, parse_query("Nergens"), now=NOW) is None
        assert asked == ["place:utrecht", "place:nergens"]
        assert db.session.query(GeocodeCache).count() == 0
        moved_on = geocoding.geocoder_for(app.config, db.session, version=8)
        locate(db.session, moved_on, parse_query("Utrecht"), now=NOW)
        assert asked[-1] == "place:utrecht" and len(asked) == 3
        # Without a version (or with PDOK) answers still go to the shared table.
        locate(
            db.session,
            geocoding.geocoder_for(app.config, db.session),
            parse_query("Zwolle"),
            now=NOW,
        )
        assert db.session.query(GeocodeCache).count() == 1


def test_offline_answers_of_one_database_never_answer_for_another(app, monkeypatch, tmp_path):
    """Two databases in one process can be at the same directory version: the kept answers are
    per database (`database_key`), so a place found in one is not served for the other. (A file:
    two in-memory SQLite URLs are the same key.)"""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from portal.directory import geocoder as geocoding

    other_engine = create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    here = {db.engine: "Utrecht (hier)", other_engine: "Utrecht (elders)"}

    def per_database(self, query):
        return Location(Point(52.09, 5.12), here[self.session.get_bind().engine])

    monkeypatch.setattr(OfflineGeocoder, "lookup", per_database)
    query = parse_query("Utrecht")
    with app.test_request_context(), Session(other_engine) as other:
        for _round in range(2):
            mine = geocoding.geocoder_for(app.config, db.session, version=7)
            assert locate(db.session, mine, query, now=NOW).label == "Utrecht (hier)"
            theirs = geocoding.geocoder_for(app.config, other, version=7)
            assert locate(other, theirs, query, now=NOW).label == "Utrecht (elders)"
    other_engine.dispose()
