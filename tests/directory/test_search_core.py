"""The ledenzoeker's search core per cache miss (issue 19): what each saving keeps and skips.

Each test pins one change of the search core: the query string is parsed without exceptions
raised and caught, the whole A-Z list is paged from the matching sets' ranks without a page
statement. The answers stay those of before (bench/directory_inprocess.py --digest compares
whole bodies; tests/directory/test_id_index.py the sets against the SQL).
"""

from __future__ import annotations

import math
import random
import sys

import pytest
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from portal.directory import geo, id_index, queries
from portal.directory import grid as grid_module
from portal.directory.forms import DEFAULT_RADIUS, MAX_PAGE, SearchQuery
from portal.directory.grid import Grid
from portal.extensions import db
from tests.directory.conftest import UTRECHT
from tests.directory.test_id_index import brute_force, spread  # noqa: F401 (a fixture)
from tests.directory.test_keyset_paging import offset_pages
from tests.directory.test_search import FRAGMENT, heading, names


def _raised(call) -> list[str]:
    """The exceptions raised (and caught or not) anywhere inside `call()`."""
    seen: list[str] = []

    def trace(frame, event, arg):
        if event == "exception":
            seen.append(f"{arg[0].__name__} in {frame.f_code.co_name}")
        return trace

    sys.settrace(trace)
    try:
        call()
    finally:
        sys.settrace(None)
    return seen


@pytest.mark.parametrize(
    "query",
    ["", "q=bakker", "postcode=Utrecht&straal=25", "vakgebied=cv&page=3", "page=2&score=1"],
)
def test_a_search_query_is_parsed_without_exceptions(query):
    """werkzeug's MultiDict.get raises and catches a BadRequestKeyError for every parameter
    that is absent, and int(None) a ValueError: about 2 µs each, on every search."""
    args = ImmutableMultiDict(MultiDict([tuple(p.split("=")) for p in query.split("&") if p]))
    assert _raised(lambda: SearchQuery.from_args(args)) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({}, SearchQuery()),
        ({"q": "", "postcode": "", "page": ""}, SearchQuery()),
        ({"q": "  Bakker \x00 en   zn ", "page": "0"}, SearchQuery(q="Bakker en zn")),
        ({"page": "12x"}, SearchQuery()),
        ({"page": " 7 ", "straal": "25"}, SearchQuery(page=7, straal=25)),
        ({"page": "99999999"}, SearchQuery(page=MAX_PAGE)),
        ({"straal": "7"}, SearchQuery(straal=DEFAULT_RADIUS)),
        ({"score": "ja"}, SearchQuery(score=True)),
        ({"score": "nee"}, SearchQuery()),
        ({"unknown": "1"}, SearchQuery()),
        ({"vakgebied": "cv"}, SearchQuery(vakgebied=("cv",))),
    ],
)
def test_search_query_values_from_a_plain_mapping(args, expected):
    assert SearchQuery.from_args(args) == expected


def test_search_query_takes_the_first_value_and_every_slug():
    args = MultiDict(
        [("q", "eerste"), ("q", "tweede"), ("vakgebied", "zon"), ("vakgebied", "cv"),
         ("vakgebied", "zon"), ("vakgebied", "<x>"), ("erkenning", "stek"), ("page", "2"),
         ("page", "5")]
    )  # fmt: skip
    parsed = SearchQuery.from_args(args)
    assert parsed == SearchQuery(q="eerste", vakgebied=("cv", "zon"), erkenning=("stek",), page=2)
    assert SearchQuery.from_query_string(parsed.query_string()) == parsed


@pytest.fixture
def no_page_statement(monkeypatch):
    """A page of the whole list must not be read in SQL (keyset or OFFSET)."""

    def refuse(*args, **kwargs):
        raise AssertionError("a page of the whole list was read in SQL")

    monkeypatch.setattr(queries, "page_from", refuse)
    monkeypatch.setattr(queries, "page_rows", refuse)


def test_the_whole_list_is_paged_from_the_sets(app, client, listed, no_page_statement):
    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0  # every request a miss
    for n in range(53):  # equal names share a sort key: the company id breaks the tie
        listed("Bakker Installaties" if n % 2 else f"Ábel {n:02d}", slug=f"lid-{n}")
    expected = offset_pages()
    assert len(expected) == 3
    for number, page in enumerate(expected, start=1):
        response = client.get(f"/ledenzoeker/?page={number}", headers=FRAGMENT)
        assert names(response) == page
        assert heading(response) == "53 installateurs gevonden"
    assert app.extensions[id_index.EXTENSION]  # the sets answered
    beyond = client.get("/ledenzoeker/?page=4", headers=FRAGMENT)
    assert names(beyond) == [] and heading(beyond) == "53 installateurs gevonden"
    assert "Pagina 4 bestaat niet" in beyond.text


def test_an_empty_list_from_the_sets(app, client, no_page_statement):
    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0
    response = client.get("/ledenzoeker/?page=1", headers=FRAGMENT)
    assert names(response) == [] and heading(response) == "Geen installateurs gevonden"
    assert id_index.EXTENSION in app.extensions  # the sets answered


def _edge_radius(lat, lon, center):
    """A radius whose square is exactly the member's squared distance (it lies on the circle,
    so inside), or None when no double squares to it."""
    p = geo.distance_params(center)
    dlat = lat - p["center_lat"]
    dx = (lon - p["center_lon"]) * (p["km_east"] - p["km_east_change"] * dlat)
    dy = dlat * p["km_north"]
    d2 = dx * dx + dy * dy
    radius = math.sqrt(d2)
    return radius if radius * radius == d2 else None


@pytest.mark.parametrize("size", [0, 1, 40, 3000])
def test_grid_circles_match_brute_force_at_the_edges(size):
    """Random members, circles and filters, with the edge cases: radius 0 and the largest,
    members exactly on the circle and one double beyond it, members sharing a position,
    members without one, centres outside the members' area or near a pole (where the box
    is tested as well), empty and full filters, pages beyond the last."""
    rng = random.Random(size)
    lats = [52.0 + rng.gauss(0, 0.4) for _ in range(size)]
    lons = [5.0 + rng.gauss(0, 0.6) for _ in range(size)]
    for r in range(1, min(size, 200), 5):  # the same address: equal distances, rank order
        lats[r], lons[r] = lats[r - 1], lons[r - 1]
    for r in range(2, size, 97):
        lats[r] = lons[r] = None  # never in a circle
    for r in range(3, size, 89):  # near the poles and far east: the guarded box
        lats[r], lons[r] = rng.choice((84.0, -86.0)) + rng.random(), 170 + rng.random() * 9
    centers = [geo.Point(52.0 + rng.gauss(0, 0.4), 5.0 + rng.gauss(0, 0.6)) for _ in range(40)]
    centers += [geo.Point(52.1, 12.0), geo.Point(40.0, 5.0), geo.Point(85.2, 175.0)]
    centers += [geo.Point(-86.5, 174.0), geo.Point(52.0, 5.0)]
    edge = []  # circles with a member exactly on them (and the next smaller radius)
    for rank in range(size):
        for center in centers[:8]:
            radius = None
            if lats[rank] is not None and abs(lats[rank]) < 80 and len(edge) < 12:
                radius = _edge_radius(lats[rank], lons[rank], center)
            if radius is not None and radius < 60:
                edge.append((center, radius, rank))
    if size >= 40:
        assert edge  # the edge is exercised
    grid = Grid(lats, lons)
    cases = (
        [(c, r) for c, r, _rank in edge]
        + [(c, math.nextafter(r, 0)) for c, r, _ in edge]
        + [(c, rng.choice((0, 0.0, 5, 10, 25, 50, 50.0, rng.uniform(0, 60)))) for c in centers]
    )
    for center, radius in cases:
        for kind in ("none", "empty", "all", "random"):
            chosen = {
                "none": None,
                "empty": [False] * len(lats),
                "all": [True] * len(lats),
                "random": [rng.random() < 0.3 for _ in lats],
            }[kind]
            allowed = None if chosen is None else sum(1 << r for r, ok in enumerate(chosen) if ok)
            expected = brute_force(lats, lons, center, radius, chosen)
            for needed in (1, 20, 60, 400, len(lats) + 5):
                total, nearest = grid.circle(center, radius, allowed, needed=needed)
                assert total == len(expected), (center, radius, kind)
                assert nearest == expected[:needed], (center, radius, kind, needed)
                if allowed is not None:  # the same through the kept mask
                    again = grid.circle(center, radius, grid.mask(allowed), needed=needed)
                    assert again == (total, nearest)
    for center, radius, rank in edge:  # on the circle: inside; one double less: outside
        inside = {r for _d2, r in grid.circle(center, radius, None, needed=len(lats))[1]}
        smaller = math.nextafter(radius, 0)
        assert rank in inside
        outside = {r for _d2, r in grid.circle(center, smaller, None, needed=len(lats))[1]}
        assert rank not in outside or smaller * smaller == radius * radius


def test_the_box_test_is_implied_away_from_the_poles():
    """Whoever lies within the radius lies in the bounding box (the grid leaves the box's test
    out there): points just inside the radius in every direction, at the largest radius, at
    latitudes up to the guard."""
    rng = random.Random(80)
    for _ in range(3000):
        center = geo.Point(rng.uniform(-79, 79), rng.uniform(-179, 179))
        radius = rng.choice((0.0, 0.001, 5, 50, 500))
        box = geo.bounding_box(center, radius)
        if not grid_module._box_implied(center.latitude, box.max_lat - center.latitude):
            continue
        p = geo.distance_params(center)
        angle = rng.uniform(0, 2 * math.pi)
        dy = radius * math.sin(angle)
        lat = center.latitude + dy / p["km_north"]
        dlat = lat - p["center_lat"]
        east = p["km_east"] - p["km_east_change"] * dlat
        lon = center.longitude + radius * math.cos(angle) / east
        dx = (lon - p["center_lon"]) * east
        d2 = dx * dx + (dlat * p["km_north"]) ** 2
        if d2 <= radius * radius:
            assert box.min_lat <= lat <= box.max_lat and box.min_lon <= lon <= box.max_lon


@pytest.mark.usefixtures("spread")
def test_circle_filters_are_kept_per_condition(app):
    """A circle with the same conditions again takes the kept mask (no bitset unpacked); the
    answer is the one the bitset gives."""
    index = id_index.build(db.session)
    center, terms = geo.Point(*UTRECHT), [id_index.Term(words=("bakker",))]
    first = index.circle(center, 25, terms, needed=20)
    calls = []
    real = index.grid.mask
    index.grid.mask = lambda bits: calls.append(bits) or real(bits)
    assert index.circle(center, 50, list(terms), needed=20)[0] >= first[0] > 0
    assert calls == []  # kept
    other = [id_index.Term(words=("vries",))]
    expected = index.grid.circle(center, 25, real(index.match(other)), needed=20)
    assert index.circle(center, 25, other, needed=20) == (
        expected[0],
        [(d2, index.ids[rank]) for d2, rank in expected[1]],
    )
    assert len(calls) == 1
    for n in range(id_index.MASKS_HELD + 3):  # a bounded number are kept
        index.circle(center, 5, [id_index.Term(words=(f"w{n}",))], needed=1)
    assert len(index._masks) == id_index.MASKS_HELD


@pytest.mark.parametrize("bad", [math.inf, -math.inf, 1e300, -1e300, 95.0, -200.0])
def test_grid_takes_positions_from_bad_data(bad):
    """A position that is no place on earth (infinite, absurdly large, beyond a pole or the
    date line: bad data from outside) does not stop the grid from being built (it raised);
    such a member is in no circle, as one without a position, and the others are found."""
    lats = [52.1, 52.2, bad, 52.0, bad, 51.9]
    lons = [5.1, 5.2, 5.3, bad, bad, 5.0]
    grid = Grid(lats, lons)
    placed = [
        (None, None) if abs(lat) > 90 or abs(lon) > 180 else (lat, lon)
        for lat, lon in zip(lats, lons, strict=True)
    ]
    for center in (geo.Point(52.1, 5.1), geo.Point(89.0, 179.0)):
        for radius in (0, 25, 50, 20_000):
            expected = brute_force(
                [p[0] for p in placed], [p[1] for p in placed], center, radius, None
            )
            total, nearest = grid.circle(center, radius, None, needed=10)
            assert (total, nearest) == (len(expected), expected), (bad, center, radius)
