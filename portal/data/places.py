"""Shipped list of Dutch towns with WGS84 coordinates and PC4 postcode ranges.

The data is immutable and shipped with the package, so it is cached for the
lifetime of the process.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

PROVINCES = (
    "Groningen",
    "Friesland",
    "Drenthe",
    "Overijssel",
    "Flevoland",
    "Gelderland",
    "Utrecht",
    "Noord-Holland",
    "Zuid-Holland",
    "Zeeland",
    "Noord-Brabant",
    "Limburg",
)


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    province: str
    lat: float
    lon: float
    pc4_from: int
    pc4_to: int

    @property
    def pc4_count(self) -> int:
        """Number of PC4 codes in the range, a rough proxy for town size."""
        return self.pc4_to - self.pc4_from + 1


@lru_cache(maxsize=1)
def _load() -> tuple[Place, ...]:
    source = resources.files("portal.data").joinpath("places.csv")
    # typeshed's Traversable.open omits `newline`; the package's path (pathlib or zipfile) takes it
    with source.open("r", encoding="utf-8", newline="") as fh:  # type: ignore[call-overload]
        return tuple(
            Place(
                name=row["name"],
                province=row["province"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                pc4_from=int(row["pc4_from"]),
                pc4_to=int(row["pc4_to"]),
            )
            for row in csv.DictReader(fh)
        )


def load_places() -> list[Place]:
    """Return all shipped places (a fresh list; the Place objects are frozen)."""
    return list(_load())
