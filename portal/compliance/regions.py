"""Province of a member from its postcode (PC4), using the shipped places list's ranges."""

from __future__ import annotations

import bisect
from functools import lru_cache

from portal.data.places import PROVINCES, load_places

UNKNOWN = "Onbekend"


@lru_cache(maxsize=1)
def _ranges() -> tuple[tuple[int, ...], tuple[tuple[int, int, str], ...]]:
    """Sorted (from, to, province) ranges plus their start codes for bisect (immutable)."""
    ranges = tuple(sorted((p.pc4_from, p.pc4_to, p.province) for p in load_places()))
    return tuple(r[0] for r in ranges), ranges


def province_for_postcode(postcode: str) -> str:
    """The province whose place range holds the PC4, else the nearest range's province.

    Dutch PC4 codes run regionally, so a code between two listed towns belongs to the nearer
    one's province in practice. Anything that is not a postcode gives "Onbekend".
    """
    digits = (postcode or "").strip()[:4]
    if len(digits) != 4 or not digits.isdigit() or digits[0] == "0":
        return UNKNOWN
    pc4 = int(digits)
    starts, ranges = _ranges()
    index = bisect.bisect_right(starts, pc4) - 1
    candidates = []
    if index >= 0:
        low, high, province = ranges[index]
        if low <= pc4 <= high:
            return province
        candidates.append((pc4 - high, province))
    if index + 1 < len(ranges):
        low, _high, province = ranges[index + 1]
        candidates.append((low - pc4, province))
    return min(candidates)[1] if candidates else UNKNOWN


def provinces() -> tuple[str, ...]:
    """All twelve provinces in the shipped order, for filters and reports."""
    return PROVINCES
