"""The matching sets (id_index.py) as compact bytes for the shared cache (issue 19).

JSON lists of ranks had cost 7.8 MB and 0.3-0.5 s to read back per worker at 100,000 members.
Here every part is stored as it is held in memory: arrays of fixed-size numbers (company ids,
the word offsets and the ranks of rare words, positions as doubles, NaN for none) and the
bitsets of frequent words, specialisms and recognitions as their raw little-endian bytes, one
after the other behind a small JSON header, the whole zlib-compressed. Reading it back is
decompressing and copying bytes into arrays and ints, no parsing per number. Never pickle: the
cache is shared.
"""

from __future__ import annotations

import json
import sys
import zlib
from array import array
from dataclasses import dataclass

MAGIC = b"LZIX2\n"  # LZIX1 also held the circle grid's cells (before issue 19's numpy grid)
LEVEL = 1  # zlib: at 100,000 members 4x faster to write than 6, 2 % larger, as fast to read
_BIG = sys.byteorder == "big"


@dataclass(slots=True)
class Parts:
    """The fields of an IdIndex that are stored (see id_index.IdIndex)."""

    ids: array  # "q": company id per A-Z rank
    words: list[str]  # sorted distinct words
    starts: array  # "q": word n's ranks are flat[starts[n]:starts[n + 1]]
    flat: array  # "i": ranks of the words not in `dense`
    dense: dict[int, int]  # word number -> bitset
    specialisms: dict[int, int]  # specialism id -> bitset
    recognitions: dict[int, int]
    latitudes: array  # "d" per rank, NaN: no position
    longitudes: array


def _raw(values: array) -> bytes:
    """An array's bytes in little-endian order, whatever the host's."""
    if _BIG:
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def _array(typecode: str, raw: memoryview) -> array:
    values = array(typecode)
    values.frombytes(raw)
    if _BIG:
        values.byteswap()
    return values


def encode(parts: Parts) -> bytes:
    """The sets as bytes: MAGIC, then zlib of (header length, JSON header, sections)."""
    width = (len(parts.ids) + 7) // 8
    bitsets = {
        "dense": sorted(parts.dense.items()),
        "specialisms": sorted(parts.specialisms.items()),
        "recognitions": sorted(parts.recognitions.items()),
    }
    sections = [
        _raw(parts.ids),
        "\n".join(parts.words).encode(),  # folded words: [0-9a-z]+, no newline
        _raw(parts.starts),
        _raw(parts.flat),
        *(bits.to_bytes(width, "little") for kind in bitsets.values() for _k, bits in kind),
        _raw(parts.latitudes),
        _raw(parts.longitudes),
    ]
    header = {
        "members": len(parts.ids),
        "words": len(parts.words),
        "keys": {kind: [k for k, _bits in held] for kind, held in bitsets.items()},
        "sizes": [len(s) for s in sections],
    }
    head = json.dumps(header, separators=(",", ":")).encode()
    raw = len(head).to_bytes(4, "little") + head + b"".join(sections)
    return MAGIC + zlib.compress(raw, LEVEL)


def decode(blob: bytes) -> Parts:
    """The parts `encode` wrote; ValueError for bytes it did not write."""
    if not blob.startswith(MAGIC):
        raise ValueError("not an encoded set of matching sets")
    raw = memoryview(zlib.decompress(blob[len(MAGIC) :]))
    size = int.from_bytes(raw[:4], "little")
    header = json.loads(bytes(raw[4 : 4 + size]))
    offset, sections = 4 + size, []
    for length in header["sizes"]:
        sections.append(raw[offset : offset + length])
        offset += length
    if offset != len(raw):
        raise ValueError("matching sets: sections do not fill the entry")
    ids, words, starts, flat, *rest = sections
    held = iter(rest)
    bitsets: dict[str, dict[int, int]] = {}
    for kind, keys in header["keys"].items():
        bitsets[kind] = {k: int.from_bytes(next(held), "little") for k in keys}
    latitudes, longitudes = held
    word_list = bytes(words).decode().split("\n") if header["words"] else []
    parts = Parts(
        _array("q", ids), word_list, _array("q", starts), _array("i", flat), bitsets["dense"],
        bitsets["specialisms"], bitsets["recognitions"], _array("d", latitudes),
        _array("d", longitudes),
    )  # fmt: skip
    if len(parts.ids) != header["members"] or len(parts.starts) != len(word_list) + 1:
        raise ValueError("matching sets: counts do not match the header")
    return parts
