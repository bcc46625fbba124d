"""Folding for accent-insensitive search, and the distance maths."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import text

from portal.directory.geo import (
    Point,
    bounding_box,
    distance_params,
    flat_km,
    haversine_km,
    squared_distance_sql,
)
from portal.directory.text import fold, tokens
from portal.extensions import db


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Hénk", "henk"),
        ("  BÄKKER-Installaties  B.V. ", "bakker installaties b v"),
        ("Ñandú Œuvre straße Søren", "nandu oeuvre strasse soren"),
        ("'s-Hertogenbosch", "s hertogenbosch"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold(raw, folded):
    assert fold(raw) == folded


def test_tokens_are_deduplicated_capped_and_safe():
    assert tokens("Henk henk HÉNK") == ["henk"]
    assert tokens("a b c d e f g h") == ["a", "b", "c", "d", "e", "f"]
    assert tokens('" OR 1=1 -- *') == ["or", "1"]
    assert tokens("NEAR(a b) AND\x00x") == ["near", "a", "b", "and", "x"]


def test_haversine_known_distance():
    utrecht, amsterdam = Point(52.0907, 5.1214), Point(52.3731, 4.8922)
    assert haversine_km(utrecht, amsterdam) == pytest.approx(35.07, abs=0.05)
    assert haversine_km(utrecht, utrecht) == 0


def test_sql_distance_matches_python_and_haversine(app):
    center = Point(52.0907, 5.1214)  # Utrecht
    for other in (Point(51.4416, 5.4697), Point(52.3731, 4.8922), Point(52.10, 5.13)):
        expression = text(f"SELECT {squared_distance_sql(':lat', ':lon')}")
        params = {**distance_params(center), "lat": other.latitude, "lon": other.longitude}
        km = math.sqrt(db.session.scalar(expression, params))
        assert km == pytest.approx(flat_km(center, other), rel=1e-12)
        assert km == pytest.approx(haversine_km(center, other), abs=0.005)  # 5 m, up to 80 km


def test_flat_distance_is_within_a_metre_of_haversine_up_to_fifty_km():
    center = Point(52.0907, 5.1214)
    for step in range(0, 360, 15):
        bearing = math.radians(step)
        for km in (1, 10, 25, 50):
            lat = center.latitude + math.degrees(km / 6371.0088) * math.cos(bearing)
            lon = center.longitude + math.degrees(km / 6371.0088) * math.sin(bearing) / 0.614
            other = Point(lat, lon)
            assert abs(flat_km(center, other) - haversine_km(center, other)) < 0.001


@pytest.mark.parametrize("radius", [5, 10, 25, 50])
def test_bounding_box_contains_the_circle(radius):
    center = Point(52.0907, 5.1214)
    box = bounding_box(center, radius)
    for bearing_lat, bearing_lon in ((1, 0), (-1, 0), (0, 1), (0, -1), (0.7071, 0.7071)):
        # Walk outwards until the point leaves the circle, checking it stays in the box.
        step = 0.0005
        lat, lon = center.latitude, center.longitude
        while haversine_km(center, Point(lat, lon)) <= radius:
            assert box.min_lat <= lat <= box.max_lat
            assert box.min_lon <= lon <= box.max_lon
            lat += bearing_lat * step
            lon += bearing_lon * step * 1.6
