"""Circle searches over the precomputed sets (id_index.py): positions in arrays by latitude.

The same rule as the SQL (queries.py): a member is inside when it lies in the bounding box and
its squared flat-earth distance (geo.squared_distance_sql) is at most the radius squared; the
order is distance, then the A-Z rank. The members whose latitude lies in the box are one slice
of the positions sorted by latitude (two binary searches); their squared distances are worked
out at once with numpy, in the very same operations and order as the SQL and Python
(element-wise double precision: each operation rounds exactly as Python's float does), so the
same members are inside and ties fall the same way. The page is the `needed` smallest
(distance, rank) pairs: a partition finds the distance of the last one, and only the members
up to it are sorted.

Before (issue 19), members were bucketed in cells of about 1 km and the edge cells were measured
member by member in Python: 0.19 ms per circle at 6,300 members, 0.6 ms at 100,000; this is 0.03
and 0.19 ms, measured over the circles of the benchmark's query mix (bench/query_mix.py).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from portal.directory import geo


class Grid:
    """The positions of the members by A-Z rank, sorted by latitude.

    Positions are sequences of floats per rank (lists or arrays); None or NaN: no position.
    """

    def __init__(
        self, latitudes: Sequence[float | None], longitudes: Sequence[float | None]
    ) -> None:
        self.latitudes, self.longitudes = latitudes, longitudes
        self.size = len(latitudes)
        lat = np.asarray(latitudes, dtype=np.float64)  # None becomes NaN
        lon = np.asarray(longitudes, dtype=np.float64)
        placed = np.flatnonzero(~(np.isnan(lat) | np.isnan(lon)))  # a member without a
        order = placed[np.argsort(lat[placed], kind="stable")]  # position is in no circle
        self._ranks = order.astype(np.int64)
        self._lat = np.ascontiguousarray(lat[order])
        self._lon = np.ascontiguousarray(lon[order])
        self._local = threading.local()  # see _scratch

    def circle(
        self, center: geo.Point, radius_km: float, allowed: int | None, *, needed: int
    ) -> tuple[int, list[tuple[float, int]]]:
        """The exact number of members inside the circle (and in `allowed`, if given: a bitset
        over the ranks), and the `needed` nearest as (squared km, rank), nearest first."""
        box = geo.bounding_box(center, radius_km)
        params = geo.distance_params(center)
        clat, clon = params["center_lat"], params["center_lon"]
        north, east, change = params["km_north"], params["km_east"], params["km_east_change"]
        first = int(np.searchsorted(self._lat, box.min_lat, side="left"))
        last = int(np.searchsorted(self._lat, box.max_lat, side="right"))
        lon, ranks, n = self._lon[first:last], self._ranks[first:last], last - first
        dlat, east_km, d2, yes, test = (part[:n] for part in self._scratch())
        # As geo.squared_distance_sql, operation by operation: dx = (lon - clon) * (east -
        # change * dlat), dy = dlat * north, d2 = dx * dx + dy * dy.
        np.subtract(self._lat[first:last], clat, out=dlat)
        np.multiply(dlat, change, out=east_km)
        np.subtract(east, east_km, out=east_km)
        np.subtract(lon, clon, out=d2)
        np.multiply(d2, east_km, out=d2)  # dx
        np.multiply(d2, d2, out=d2)
        np.multiply(dlat, north, out=dlat)  # dy
        np.multiply(dlat, dlat, out=dlat)
        np.add(d2, dlat, out=d2)
        np.less_equal(d2, radius_km * radius_km, out=yes)
        np.logical_and(yes, np.greater_equal(lon, box.min_lon, out=test), out=yes)
        np.logical_and(yes, np.less_equal(lon, box.max_lon, out=test), out=yes)
        inside = np.flatnonzero(yes)
        if allowed is not None:
            inside = inside[self._allowed(allowed)[ranks[inside]]]
        total = len(inside)
        needed = min(needed, total)
        if needed <= 0:
            return total, []
        near, near_ranks = d2[inside], ranks[inside]
        if needed < total:  # the page's last distance; ties with it are sorted by rank below
            keep = near <= np.partition(near, needed - 1)[needed - 1]
            near, near_ranks = near[keep], near_ranks[keep]
        order = np.lexsort((near_ranks, near))[:needed]
        return total, list(zip(near[order].tolist(), near_ranks[order].tolist(), strict=True))

    def _scratch(self) -> tuple[np.ndarray, ...]:
        """This thread's working arrays, one value per member: the circle's arithmetic writes
        into them rather than into new arrays (a new array per operation was a fresh piece
        of memory from the system, about ten page faults per circle in a worker)."""
        held = getattr(self._local, "scratch", None)
        if held is None:
            held = self._local.scratch = (
                *(np.empty(self.size, dtype=np.float64) for _ in range(3)),
                *(np.empty(self.size, dtype=np.bool_) for _ in range(2)),
            )
        return held

    def _allowed(self, bits: int) -> np.ndarray:
        """One bool per rank: set in `bits`."""
        width = max((self.size + 7) // 8, (bits.bit_length() + 7) // 8)
        raw = np.frombuffer(bits.to_bytes(width, "little"), dtype=np.uint8)
        return np.unpackbits(raw, bitorder="little", count=self.size).view(np.bool_)
