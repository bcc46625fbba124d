"""The precomputed matching sets (portal/directory/id_index.py, grid.py) answer as the SQL does.

The same searches are run with the sets and without them (the SQL of queries.py): the pages,
counts and distances must be identical, for text, trade words, list filters, circles with and
without filters, deep pages and pages past the last.
"""

from __future__ import annotations

import dataclasses
import math
import random
import zlib

import pytest

from portal.directory import cards, geo, id_codec, id_index, services
from portal.directory.grid import Grid
from portal.extensions import db
from tests.directory.conftest import UTRECHT
from tests.directory.test_search import FRAGMENT

SEARCHES = (
    "q=bakker", "q=ba", "q=b", "q=de+vries", "q=bakkr", "q=cv", "q=cv+ketel", "q=utrecht",
    "vakgebied=cv", "vakgebied=cv&vakgebied=zonnepanelen", "erkenning=stek",
    "q=bakker&vakgebied=cv", "q=bakker&page=2", "vakgebied=cv&page=2", "q=zzz",
    "postcode=Utrecht&straal=5", "postcode=Utrecht&straal=10", "postcode=Utrecht&straal=25",
    "postcode=Utrecht&straal=50", "postcode=Utrecht&straal=50&page=2",
    "postcode=Utrecht&straal=50&page=3", "postcode=Utrecht&straal=50&page=99",
    "postcode=Utrecht&straal=25&vakgebied=cv", "postcode=Utrecht&straal=50&q=bakker",
    "q=loodgieter+utrecht", "postcode=Utrecht&straal=10&erkenning=stek&page=2",
)  # fmt: skip


@pytest.fixture
def spread(listed, specialism, monkeypatch):
    """50 members around Utrecht (0-60 km, every direction), with names, trades, recognitions;
    words with at least 6 members are held as bitsets, as frequent ones are in a big directory."""
    monkeypatch.setattr(id_index, "DENSE_FROM", 6)
    specialism("Sanitair")  # the shipped word list maps "loodgieter" to it
    specialism("Verwarming")
    rng = random.Random(19)
    surnames = ("Bakker", "de Vries", "Jansen", "Baas", "Visser")
    for n in range(50):
        km, angle = rng.uniform(0, 60), rng.uniform(0, 2 * math.pi)
        lat = UTRECHT[0] + km * math.sin(angle) / 111.2
        lon = UTRECHT[1] + km * math.cos(angle) / (111.2 * math.cos(math.radians(UTRECHT[0])))
        listed(
            f"{surnames[n % 5]} {n:02d}",
            latitude=lat,
            longitude=lon,
            specialisms=[s for s, on in (("CV", n % 2), ("Zonnepanelen", n % 3 == 0)) if on],
            recognitions=["STEK"] if n % 4 == 0 else [],
        )


@pytest.mark.parametrize("lang", ["", "&lang=en"])
def test_sets_answer_every_search_as_the_sql_does(app, client, spread, monkeypatch, lang):
    """Byte-identical bodies from the sets (cards rendered from rows read by id, then kept
    cards) and from the SQL (cards rendered from the rows it read)."""
    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0  # render every time: no shared page
    assert id_index.share(wait=True)  # as the process that changed the directory does
    real = services.search
    with_cards = 0
    for url in SEARCHES:
        url = f"/ledenzoeker/?{url}{lang}"
        app.extensions.pop(cards.EXTENSION, None)
        cold = client.get(url, headers=FRAGMENT).text
        kept = client.get(url, headers=FRAGMENT).text
        app.extensions.pop(cards.EXTENSION, None)
        monkeypatch.setattr(services, "search", lambda *a, **k: real(*a, **{**k, "id_index": None}))
        in_sql = client.get(url, headers=FRAGMENT).text
        monkeypatch.setattr(services, "search", real)
        assert cold == kept == in_sql, url
        assert app.extensions[id_index.EXTENSION]  # the sets answered
        with_cards += "directory-card" in cold
    assert with_cards >= 20  # the searches do find members


def test_sets_follow_the_directory_version(client, listed):
    listed("Bakker Een")
    assert "1 installateur gevonden" in client.get("/ledenzoeker/?q=bakker").text
    listed("Bakker Twee")  # refreshing a row moves the version on
    assert "2 installateurs gevonden" in client.get("/ledenzoeker/?q=bakker").text


def test_shared_sets_read_back_exactly(app, spread):
    """The binary encoding gives back every part as built, and the same answers."""
    built = id_index.build(db.session)
    blob = id_codec.encode(built.parts)
    again = id_index.IdIndex(id_codec.decode(blob))
    for name in (f.name for f in dataclasses.fields(id_codec.Parts)):
        mine, theirs = getattr(built.parts, name), getattr(again.parts, name)
        if name in ("latitudes", "longitudes"):  # NaN (no position) is never equal to itself
            assert [str(v) for v in mine] == [str(v) for v in theirs], name
        else:
            assert mine == theirs, name
    assert built.parts.dense and built.parts.flat  # both kinds of word sets are exercised
    assert id_codec.encode(again.parts) == blob
    assert id_index.from_text(id_index.to_text(built, "1@t")).parts.words == built.parts.words
    for word in ("b", "ba", "bakker", "vries", "x", "0"):
        assert again.prefix(word) == built.prefix(word)
    center = geo.Point(*UTRECHT)
    for radius in (5, 25, 50):
        assert again.circle(center, radius, None, needed=30) == built.circle(
            center, radius, None, needed=30
        )


def test_a_foreign_or_cut_entry_is_refused():
    for blob in (b"[1, 2, 3]", id_codec.MAGIC + b"garbage"):
        with pytest.raises((ValueError, zlib.error)):
            id_codec.decode(blob)


def brute_force(lats, lons, center, radius, chosen):
    """The SQL's rule member by member: in the box and within the radius; (d2, rank) order."""
    box = geo.bounding_box(center, radius)
    p = geo.distance_params(center)
    found = []
    for rank, (lat, lon) in enumerate(zip(lats, lons, strict=True)):
        if lat is None or (chosen is not None and not chosen[rank]):
            continue
        dlat = lat - p["center_lat"]
        dx = (lon - p["center_lon"]) * (p["km_east"] - p["km_east_change"] * dlat)
        dy = dlat * p["km_north"]
        d2 = dx * dx + dy * dy
        in_box = box.min_lat <= lat <= box.max_lat and box.min_lon <= lon <= box.max_lon
        if in_box and d2 <= radius * radius:
            found.append((d2, rank))
    return sorted(found)


def test_grid_counts_and_orders_like_brute_force():
    """Random members and circles: none lost or added at an edge, ties in rank order."""
    rng = random.Random(7)
    lats = [52.0 + rng.gauss(0, 0.2) for _ in range(3000)]
    lons = [5.0 + rng.gauss(0, 0.3) for _ in range(3000)]
    lats[5] = lons[5] = None  # a member without a position is never in a circle
    for r in range(100, 400, 3):  # members sharing an address: equal distances
        lats[r], lons[r] = lats[r - 1], lons[r - 1]
    grid = Grid(lats, lons)
    for _ in range(60):
        center = geo.Point(52.0 + rng.gauss(0, 0.2), 5.0 + rng.gauss(0, 0.3))
        radius = rng.choice((5, 10, 25, 50))
        chosen = None if rng.random() < 0.5 else [rng.random() < 0.5 for _ in lats]
        allowed = None if chosen is None else sum(1 << r for r, ok in enumerate(chosen) if ok)
        expected = brute_force(lats, lons, center, radius, chosen)
        needed = rng.choice((1, 20, 60, 400))
        total, nearest = grid.circle(center, radius, allowed, needed=needed)
        assert total == len(expected)
        assert nearest == expected[:needed]
