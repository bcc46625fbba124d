"""Circle searches over the precomputed sets (id_index.py): members bucketed in a grid of cells.

The same rule as the SQL (queries.py): a member is inside when it lies in the bounding box and
its squared flat-earth distance (geo.squared_distance_sql, computed here with the very same
operations in double precision) is at most the radius squared; the order is distance, then
the A-Z rank. Cells wholly inside the circle are counted without looking at their members
(the largest squared distance over a cell is at one of its corners, as it grows with the
distance in each direction), only members of cells on the edge are measured. The page is
found by visiting cells nearest first and stopping once no unvisited cell can hold a member
nearer than the page's last one.
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections.abc import Callable, Sequence

from portal.directory import geo

CELL_LAT = 0.01  # degrees: about 1.1 km
CELL_LON = 0.015  # degrees: about 1 km in the Netherlands
_EDGE = 1e-9  # degrees added around a cell, so rounding never puts a member outside its cell
_SAFE = 1 - 1e-9  # a cell counts as wholly inside only with this much room to spare
_YES, _NO = ord("1"), ord("0")  # the bytes of `allowed`
Cells = tuple[array, array, array]  # see Grid.cells


class Grid:
    """The positions of the members by A-Z rank, bucketed in cells.

    Positions are sequences of floats per rank (lists or arrays); None or NaN: no position.
    """

    def __init__(
        self, latitudes: Sequence[float | None], longitudes: Sequence[float | None],
        cells: Cells | None = None,
    ) -> None:  # fmt: skip
        """`cells`: the buckets as `cells()` gave them for these positions (a shared copy read
        back), else they are worked out from the positions."""
        self.latitudes, self.longitudes = latitudes, longitudes
        # Per row of cells: its columns in order, the running member count before each, and
        # the ranks of the row's cells one after the other (in column order, each ascending).
        self.rows: dict[int, tuple[list[int], list[int], array]] = {}
        if cells is None:
            cells = self._bucket(latitudes, longitudes)
        keys, sizes, ranks = cells
        at = 0
        for n, size in enumerate(sizes):
            i, j = keys[2 * n], keys[2 * n + 1]
            row = self.rows.get(i)
            if row is None:
                row = self.rows[i] = ([], [at], ranks)
            at += size
            row[0].append(j)
            row[1].append(at)
        # Rows index one shared array of ranks: their running counts start where they begin.

    @staticmethod
    def _bucket(latitudes: Sequence[float | None], longitudes: Sequence[float | None]) -> Cells:
        found: dict[tuple[int, int], list[int]] = {}
        floor = math.floor
        for rank, (lat, lon) in enumerate(zip(latitudes, longitudes, strict=True)):
            # NaN != NaN: a member without a position is in no cell
            if lat is not None and lon is not None and lat == lat and lon == lon:
                found.setdefault((floor(lat / CELL_LAT), floor(lon / CELL_LON)), []).append(rank)
        keys, sizes, ranks = array("q"), array("i"), array("i")
        for key in sorted(found):
            keys.extend(key)
            sizes.append(len(found[key]))
            ranks.extend(found[key])
        return keys, sizes, ranks

    def cells(self) -> Cells:
        """The buckets, for a shared copy: (i, j) of every cell with members in order, how
        many members each holds, and their ranks one cell after the other."""
        keys, sizes = array("q"), array("i")
        ranks: array = array("i")
        for i in sorted(self.rows):
            columns, running, ranks = self.rows[i]
            for k, j in enumerate(columns):
                keys.extend((i, j))
                sizes.append(running[k + 1] - running[k])
        return keys, sizes, ranks

    def circle(
        self, center: geo.Point, radius_km: float, allowed: bytes | None, *, needed: int
    ) -> tuple[int, list[tuple[float, int]]]:
        """The exact number of members inside the circle (and in `allowed`, if given: one byte
        per rank, b"1" for a member that may match), and the `needed` nearest as (squared km,
        rank), nearest first."""
        box = geo.bounding_box(center, radius_km)
        params = geo.distance_params(center)
        clat, clon = params["center_lat"], params["center_lon"]
        north, east, change = params["km_north"], params["km_east"], params["km_east_change"]
        r2 = radius_km * radius_km
        lats, lons = self.latitudes, self.longitudes

        def d2(lat: float, lon: float) -> float:  # as geo.squared_distance_sql, same order
            dlat = lat - clat
            dx = (lon - clon) * (east - change * dlat)
            dy = dlat * north
            return dx * dx + dy * dy

        def member(r: int) -> bool:
            lat, lon = lats[r], lons[r]
            return (
                (allowed is None or allowed[r] == _YES)
                and box.min_lat <= lat <= box.max_lat  # type: ignore[operator]
                and box.min_lon <= lon <= box.max_lon  # type: ignore[operator]
                and d2(lat, lon) <= r2  # type: ignore[arg-type]
            )

        total = 0
        j_min = math.floor(box.min_lon / CELL_LON)
        j_max = math.floor(box.max_lon / CELL_LON)
        for i in range(math.floor(box.min_lat / CELL_LAT), math.floor(box.max_lat / CELL_LAT) + 1):
            row = self.rows.get(i)
            if row is None:
                continue
            columns, running, row_ranks = row
            lo, hi, west, eastmost = self._spans(i, box, clat, clon, r2, north, east, change)
            first = bisect.bisect_left(columns, max(j_min, west))
            last = bisect.bisect_right(columns, min(j_max, eastmost))
            inner_first = max(first, bisect.bisect_left(columns, lo))
            inner_last = min(last, bisect.bisect_right(columns, hi))
            if inner_first >= inner_last:  # no cell wholly inside: every cell is an edge cell
                inner_first = inner_last = last
            for k in (*range(first, inner_first), *range(inner_last, last)):
                for r in row_ranks[running[k] : running[k + 1]]:
                    lat, lon = lats[r], lons[r]
                    if (
                        (allowed is None or allowed[r] == _YES)
                        and box.min_lat <= lat <= box.max_lat
                        and box.min_lon <= lon <= box.max_lon
                        and d2(lat, lon) <= r2
                    ):
                        total += 1
            start, end = running[inner_first], running[inner_last]
            if allowed is None:
                total += end - start
            elif end > start:
                total += sum(map(allowed.__getitem__, row_ranks[start:end])) - _NO * (end - start)
        nearest = self._nearest(
            center, box, member, d2, north, east, change, min(needed, total), total
        )
        return total, nearest

    @staticmethod
    def _spans(
        i: int, box: geo.BoundingBox, clat: float, clon: float, r2: float,
        north: float, east: float, change: float,
    ) -> tuple[int, int, int, int]:  # fmt: skip
        """Columns of row `i`: from lo to hi its cells lie wholly inside the circle and the box
        (none when lo > hi); outside west..eastmost no cell reaches into the circle.

        For a given east-west offset the squared distance over the row's latitudes is largest
        at one of its edges, and it grows with that offset; a member inside the circle is at
        most sqrt(r2 - nearest north-south offset²) / smallest east-west scale away east-west.
        """
        lat0, lat1 = i * CELL_LAT - _EDGE, (i + 1) * CELL_LAT + _EDGE
        scales = (east - change * (lat0 - clat), east - change * (lat1 - clat))
        near = 0.0 if lat0 <= clat <= lat1 else min(abs(lat0 - clat), abs(lat1 - clat))
        reach = r2 / _SAFE - (near * north) ** 2
        if reach < 0:
            return 1, 0, 1, 0
        out = math.sqrt(reach) / min(scales) + _EDGE
        west = math.floor((clon - out) / CELL_LON)
        eastmost = math.floor((clon + out) / CELL_LON)
        if lat0 < box.min_lat or lat1 > box.max_lat:
            return 1, 0, west, eastmost
        half = math.inf
        for lat, scale in zip((lat0, lat1), scales, strict=True):
            room = r2 * _SAFE - ((lat - clat) * north) ** 2
            if room <= 0:
                return 1, 0, west, eastmost
            half = min(half, math.sqrt(room) / scale)
        lo = math.ceil((max(clon - half, box.min_lon) + _EDGE) / CELL_LON)
        hi = math.floor((min(clon + half, box.max_lon) - _EDGE) / CELL_LON) - 1
        return lo, hi, west, eastmost

    def _nearest(
        self, center: geo.Point, box: geo.BoundingBox, member: Callable[[int], bool],
        d2: Callable[[float, float], float], north: float, east: float, change: float,
        needed: int, total: int,
    ) -> list[tuple[float, int]]:  # fmt: skip
        """The `needed` nearest of the circle's `total` members: all of them measured when they
        are few, else rings of cells around the centre's cell are visited until no cell
        farther out can hold a member nearer than the last one found."""
        if needed <= 0:
            return []
        i_lo, i_hi = math.floor(box.min_lat / CELL_LAT), math.floor(box.max_lat / CELL_LAT)
        j_lo, j_hi = math.floor(box.min_lon / CELL_LON), math.floor(box.max_lon / CELL_LON)
        lats, lons, rows = self.latitudes, self.longitudes, self.rows
        found: list[tuple[float, int]] = []

        def take(i: int, j_from: int, j_to: int) -> None:  # the cells of row i in a span
            row = rows.get(i)
            if row is None or j_from > j_to:
                return
            columns, running, row_ranks = row
            first = bisect.bisect_left(columns, j_from)
            last = bisect.bisect_right(columns, j_to, first)
            for r in row_ranks[running[first] : running[last]]:
                if member(r):  # a member of a cell has a position
                    found.append((d2(lats[r], lons[r]), r))

        if total <= 4 * needed + 200:
            for i in range(i_lo, i_hi + 1):
                take(i, j_lo, j_hi)
            found.sort()
            return found[:needed]
        ci = math.floor(center.latitude / CELL_LAT)
        cj = math.floor(center.longitude / CELL_LON)
        # The smallest east-west scale inside the box bounds every east-west offset from below.
        scale = min(east - change * (box.min_lat - center.latitude),
                    east - change * (box.max_lat - center.latitude))  # fmt: skip
        reach = max(ci - i_lo, i_hi - ci, cj - j_lo, j_hi - cj)
        for ring in range(reach + 1):
            for i in {ci - ring, ci + ring}:  # the ring's first and last row, whole
                if i_lo <= i <= i_hi:
                    take(i, max(cj - ring, j_lo), min(cj + ring, j_hi))
            for i in range(max(ci - ring + 1, i_lo), min(ci + ring - 1, i_hi) + 1):
                for j in {cj - ring, cj + ring}:  # the rows between: their two end cells
                    if j_lo <= j <= j_hi:
                        take(i, j, j)
            if len(found) >= needed:
                found.sort()
                del found[needed:]
                # A cell of the next ring lies `ring` whole cells away north-south or east-west.
                gap = min(ring * CELL_LAT * north, ring * CELL_LON * scale)
                if gap * gap * _SAFE > found[-1][0]:
                    break
        found.sort()
        return found[:needed]
