"""Distances in SQL: a bounding-box pre-filter on indexed lat/lon, then a precise flat-earth distance."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_KM / 180.0


@dataclass(frozen=True)
class Point:
    """A WGS84 position."""

    latitude: float
    longitude: float


@dataclass(frozen=True)
class BoundingBox:
    """Latitude/longitude limits that contain every point within a radius."""

    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float


def bounding_box(center: Point, radius_km: float) -> BoundingBox:
    """A box slightly larger than the circle, so the index pre-filter never drops a hit."""
    return BoundingBox(*_box(center.latitude, center.longitude, radius_km))


def _box(latitude: float, longitude: float, radius_km: float) -> tuple[float, ...]:
    margin = radius_km * 1.01 + 0.01
    dlat = margin / KM_PER_DEGREE_LAT
    # Use the latitude farthest from the equator inside the box: the widest longitude span.
    extreme = min(abs(latitude) + dlat, 89.0)
    dlon = margin / (KM_PER_DEGREE_LAT * math.cos(math.radians(extreme)))
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon


def circle_numbers(center: Point, radius_km: float) -> tuple[float, ...]:
    """`bounding_box` and `distance_params` at once as plain floats, for the matching sets'
    circle (grid.py) on every search: (min_lat, max_lat, min_lon, max_lon, km_north, km_east,
    km_east_change), the very same values."""
    return (
        *_box(center.latitude, center.longitude, radius_km),
        *_coefficients(center),
    )


def haversine_km(a: Point, b: Point) -> float:
    """Great-circle distance in km (the same formula the SQL uses)."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def squared_distance_sql(lat_sql: str, lon_sql: str) -> str:
    """Squared distance in km² from a centre, as SQL text: arithmetic only, cheap on every row.

    `lat_sql`/`lon_sql` name the columns; the centre comes in as the bound values of
    `distance_params`. An equirectangular projection whose east-west scale follows the
    mid-latitude of each pair (cos linearised around the centre). Within 50 km in the
    Netherlands it differs from the haversine distance by less than a metre, far below what the
    page shows (0.1 km); the same formula runs on SQLite and PostgreSQL and needs no math
    functions.
    """
    dlat = f"({lat_sql} - :center_lat)"
    dx = f"(({lon_sql} - :center_lon) * (:km_east - :km_east_change * {dlat}))"
    dy = f"({dlat} * :km_north)"
    return f"({dx} * {dx} + {dy} * {dy})"


def distance_params(center: Point) -> dict[str, float]:
    """The bound values of `squared_distance_sql` for `center`."""
    a, b, c = _coefficients(center)
    return {
        "center_lat": center.latitude,
        "center_lon": center.longitude,
        "km_north": a,
        "km_east": b,
        "km_east_change": c,
    }


def flat_km(center: Point, point: Point) -> float:
    """The same distance in Python (for tests and checks)."""
    a, b, c = _coefficients(center)
    dlat = point.latitude - center.latitude
    dx = (point.longitude - center.longitude) * (b - c * dlat)
    return math.hypot(dx, dlat * a)


def _coefficients(center: Point) -> tuple[float, float, float]:
    """km per degree north, km per degree east at the centre, and its change per degree north."""
    phi = math.radians(center.latitude)
    return (
        KM_PER_DEGREE_LAT,
        KM_PER_DEGREE_LAT * math.cos(phi),
        KM_PER_DEGREE_LAT * math.sin(phi) * math.radians(1) / 2,
    )
