"""Circle searches over the precomputed sets (id_index.py): positions in cells of a grid.

The same rule as the SQL (queries.py): a member is inside when it lies in the bounding box and
its squared flat-earth distance (geo.squared_distance_sql) is at most the radius squared; the
order is distance, then the A-Z rank. The squared distances are worked out with numpy in the
very same operations and order as the SQL and Python (element-wise double precision: each
operation rounds exactly as Python's float does, and a sum of two squares is the same in
either order), so the same members are inside and ties fall the same way.

The members are sorted by the cell of a grid (rows of latitude, columns of longitude; about
PER_CELL members per cell on average), so the cells that overlap the bounding box are one slice
of the positions per row of cells: only the members near the box are measured. The box itself
need not be tested: whoever lies within the radius lies within the box (`_box_implied`), and
the cells hold everyone in the box and more. The page is the `needed` smallest (distance,
rank) pairs, looked for first among the members of a smaller circle that should hold enough
of them (a count; then only those are sorted), else by a partition at the page's last distance.

Before (issue 19): members bucketed in cells of about 1 km, the edge cells measured member by
member in Python (0.19 ms per circle at 6,300 members, 0.6 ms at 100,000); then numpy over all
positions sorted by latitude (one slice per circle: every member in the box's band of latitude
across the country, 14 passes over it); now about 8 passes over the box's cells, and the
filter of the search as a mask kept per condition (id_index.IdIndex.circle).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

import numpy as np

from portal.directory import geo

PER_CELL = 128  # members per cell on average (a few hundred cells at 100,000 members)
POLAR_LIMIT = 80.0  # degrees: beyond, the box is tested as well (see _box_implied)
_FEW = 64  # a page among at most this many members is sorted without narrowing first


class Grid:
    """The positions of the members by A-Z rank, sorted by the cell of a grid.

    Positions are sequences of floats per rank (lists or arrays); None or NaN: no position.
    """

    def __init__(
        self, latitudes: Sequence[float | None], longitudes: Sequence[float | None]
    ) -> None:
        self.latitudes, self.longitudes = latitudes, longitudes
        self.size = len(latitudes)
        lat = np.asarray(latitudes, dtype=np.float64)  # None becomes NaN
        lon = np.asarray(longitudes, dtype=np.float64)
        # A member without a position is in no circle, nor is one whose position is no place
        # on earth (infinite, beyond a pole or the date line: bad data from outside).
        with np.errstate(invalid="ignore"):
            placed = np.flatnonzero((np.abs(lat) <= 90.0) & (np.abs(lon) <= 180.0))
        self._lat0 = self._lon0 = 0.0
        self._height = self._width = 1.0
        self._rows = self._cols = 1
        if len(placed):
            self._layout(lat[placed], lon[placed])
        cell = self._cells(lat[placed], lon[placed])
        order = placed[np.argsort(cell, kind="stable")]
        self._order = order  # the rank at each place of the grid's order
        # Latitude, longitude and rank (exact in a double) per place: one slice holds all three.
        self._pos = np.empty((3, len(order)), dtype=np.float64)
        self._pos[0], self._pos[1], self._pos[2] = lat[order], lon[order], order
        counts = np.bincount(cell, minlength=self._rows * self._cols)
        self._starts: list[int] = [0, *np.cumsum(counts).tolist()]  # per cell, row by row
        self._local = threading.local()  # see _scratch

    def _layout(self, lat: np.ndarray, lon: np.ndarray) -> None:
        """Cells of about PER_CELL members on average, about square in the middle."""
        self._lat0, self._lon0 = float(lat.min()), float(lon.min())
        lat_span, lon_span = float(lat.max()) - self._lat0, float(lon.max()) - self._lon0
        shrink = max(math.cos(math.radians(self._lat0 + lat_span / 2)), 0.01)
        area = max(lat_span, 1e-3) * max(lon_span, 1e-3) * shrink  # in degrees north, squared
        self._height = math.sqrt(area * PER_CELL / len(lat))
        self._width = self._height / shrink
        self._rows = int(lat_span / self._height) + 1
        self._cols = int(lon_span / self._width) + 1

    def _cells(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """The cell of each position: the arithmetic of `_spans`, over arrays."""
        rows = np.clip(np.floor((lat - self._lat0) / self._height), 0, self._rows - 1)
        cols = np.clip(np.floor((lon - self._lon0) / self._width), 0, self._cols - 1)
        return (rows * self._cols + cols).astype(np.int64)

    def _spans(self, box: tuple[float, ...]) -> list[tuple[int, int]]:
        """The places of the cells overlapping `box` (min_lat, max_lat, min_lon, max_lon): per
        row of cells one slice (whole rows: one), as (start, end) pairs."""
        min_lat, max_lat, min_lon, max_lon = box[:4]
        lat0, height, last_row = self._lat0, self._height, self._rows - 1
        lon0, width, cols = self._lon0, self._width, self._cols
        first = min(max(math.floor((min_lat - lat0) / height), 0), last_row) * cols
        last = min(max(math.floor((max_lat - lat0) / height), 0), last_row) * cols
        c0 = min(max(math.floor((min_lon - lon0) / width), 0), cols - 1)
        c1 = min(max(math.floor((max_lon - lon0) / width), 0), cols - 1) + 1
        starts = self._starts
        if c0 == 0 and c1 == cols:
            return [(starts[first], starts[last + cols])]
        return [(starts[k + c0], starts[k + c1]) for k in range(first, last + 1, cols)]

    def mask(self, bits: int) -> np.ndarray:
        """The members of bitset `bits` (over the ranks) as one bool per place of the grid."""
        width = max((self.size + 7) // 8, (bits.bit_length() + 7) // 8)
        raw = np.frombuffer(bits.to_bytes(width, "little"), dtype=np.uint8)
        return np.unpackbits(raw, bitorder="little", count=self.size).view(np.bool_)[self._order]

    def circle(
        self,
        center: geo.Point,
        radius_km: float,
        allowed: int | np.ndarray | None,
        *,
        needed: int,
    ) -> tuple[int, list[tuple[float, int]]]:
        """The exact number of members inside the circle (and in `allowed`, if given: a bitset
        over the ranks or its `mask`), and the `needed` nearest as (squared km, rank), nearest
        first."""
        if isinstance(allowed, int):
            allowed = self.mask(allowed)
        numbers = geo.circle_numbers(center, radius_km)
        north, east, change = numbers[4:]
        spans = self._spans(numbers)
        scratch, d, d2, yes, test = self._scratch()
        if len(spans) == 1:
            a, b = spans[0]
            n, pos = b - a, self._pos[:, a:b]
            mask = None if allowed is None else allowed[a:b]
        else:
            n = sum(b - a for a, b in spans)
            pos = np.concatenate([self._pos[:, a:b] for a, b in spans], axis=1, out=scratch[:, :n])
            mask = None
            if allowed is not None:
                mask = np.concatenate([allowed[a:b] for a, b in spans], out=test[:n])
        d, d2, yes = d[:, :n], d2[:n], yes[:n]
        # As geo.squared_distance_sql, operation by operation: dlat = lat - clat, dx = (lon -
        # clon) * (east - change * dlat), dy = dlat * north, d2 = dx * dx + dy * dy.
        np.subtract(pos[:2], [[center.latitude], [center.longitude]], out=d)
        np.multiply(d[0], change, out=d2)
        np.subtract(east, d2, out=d2)
        np.multiply(d[1], d2, out=d[1])  # dx
        np.multiply(d[0], north, out=d[0])  # dy
        np.multiply(d, d, out=d)
        np.add(d[1], d[0], out=d2)
        r2 = radius_km * radius_km
        np.less_equal(d2, r2, out=yes)
        if mask is not None:
            np.logical_and(yes, mask, out=yes)
        if not _box_implied(center.latitude, numbers[1] - center.latitude):
            lat, lon = pos[0], pos[1]
            yes &= (lat >= numbers[0]) & (lat <= numbers[1])
            yes &= (lon >= numbers[2]) & (lon <= numbers[3])
        total = int(np.count_nonzero(yes))
        needed = min(needed, total)
        if needed <= 0:
            return total, []
        return total, _nearest(d2, pos[2], yes, r2, total, needed)

    def _scratch(self) -> tuple[np.ndarray, ...]:
        """This thread's working arrays, one value per member: the circle's arithmetic writes
        into them rather than into new arrays (a new array per operation was a fresh piece
        of memory from the system, about ten page faults per circle in a worker)."""
        held = getattr(self._local, "scratch", None)
        if held is None:
            size = self._pos.shape[1]
            held = self._local.scratch = (
                np.empty((3, size), dtype=np.float64),  # the places of several rows of cells
                np.empty((2, size), dtype=np.float64),  # dlat and dx, then their squares
                np.empty(size, dtype=np.float64),  # east km per degree, then d2
                np.empty(size, dtype=np.bool_),
                np.empty(size, dtype=np.bool_),
            )
        return held


def _nearest(
    d2: np.ndarray, ranks: np.ndarray, yes: np.ndarray, r2: float, total: int, needed: int
) -> list[tuple[float, int]]:
    """The `needed` smallest (d2, rank) pairs among the members where `yes` holds.

    First among those of a smaller circle that should hold about four times `needed` if the
    members were spread evenly (they gather around a place's centre, so it mostly holds more):
    the `needed` smallest all lie within it whenever it holds at least `needed`.
    """
    pick = None
    if total > max(_FEW, 4 * needed):
        inner = np.less_equal(d2, r2 * (4 * needed / total))
        inner &= yes
        if np.count_nonzero(inner) >= needed:
            pick = np.flatnonzero(inner)
    if pick is None:
        pick = np.flatnonzero(yes)
    near, near_ranks = d2[pick], ranks[pick]
    if len(pick) > max(_FEW, needed):  # the page's last distance; ties sorted by rank below
        keep = near <= np.partition(near, needed - 1)[needed - 1]
        near, near_ranks = near[keep], near_ranks[keep]
    order = np.lexsort((near_ranks, near))[:needed]
    ranks_found = near_ranks[order].astype(np.int64).tolist()
    return list(zip(near[order].tolist(), ranks_found, strict=True))


def _box_implied(latitude: float, half_height: float) -> bool:
    """True when every member within the radius of a centre at `latitude` lies within its
    bounding box (geo.bounding_box, `half_height` degrees north and south), so that testing
    the box is needless: away from the poles, where the box is 1 % + 10 m wider than
    the radius and the flat-earth distance (geo.squared_distance_sql) never shrinks a degree
    east below the box's scale at its farthest latitude.

    |dy| <= radius gives |dlat| <= radius / km_north, inside the box's half-height (radius *
    1.01 + 0.01 km). The east scale km_east - km_east_change * dlat is the tangent of
    km_north * cos at the centre, taken at the mid-latitude; cos is concave below 90 degrees,
    so the scale is at least km_north * cos(mid-latitude) >= km_north * cos(|centre| + half-
    height), the box's scale, and |dx| <= radius keeps the longitude inside the box as well.
    Rounding errors are some 1e-15 relative, the box's margins 1 % and 1e-4 degrees.
    """
    return abs(latitude) + half_height <= POLAR_LIMIT
