"""A realistic mix of distinct consumer queries for the ledenzoeker benchmark (issue 19).

Made from the benchmark database itself: prefixes of names and trade words as they are typed,
place names and postcodes with each radius, specialism filters alone and near a place, word plus
place, common misspellings and deeper pages. Deterministic (seeded), so runs compare.
"""

from __future__ import annotations

import random
from urllib.parse import urlencode

RADII = (5, 10, 25, 50)
TRADE_WORDS = (
    "cv ketel", "airco", "loodgieter", "warmtepomp", "zonnepanelen", "laadpaal", "elektricien",
    "ventilatie", "dakdekker", "installatie", "verwarming", "sanitair", "klimaattechniek",
)  # fmt: skip


def _typo(word: str, rng: random.Random) -> str:
    """One edit, as typed in a hurry: a letter dropped, doubled or two swapped."""
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def build(names: list[str], places: list[str], postcodes: list[str], specialisms: list[str],
          *, count: int = 3000, seed: int = 19) -> list[str]:  # fmt: skip
    """`count` distinct query strings (as htmx live search sends them)."""
    rng = random.Random(seed)
    seen: dict[str, None] = {}
    makers = [
        lambda: {"q": (w := rng.choice(names).split()[0].lower())[: rng.randint(2, len(w))]},
        lambda: {"q": (t := rng.choice(TRADE_WORDS))[: rng.randint(3, len(t))]},
        lambda: {"postcode": rng.choice(places), "straal": rng.choice(RADII)},
        lambda: {"postcode": rng.choice(postcodes), "straal": rng.choice(RADII)},
        lambda: {"vakgebied": rng.choice(specialisms)},
        lambda: {
            "vakgebied": rng.choice(specialisms),
            "postcode": rng.choice(places),
            "straal": rng.choice(RADII),
        },
        lambda: {"q": f"{rng.choice(TRADE_WORDS)} {rng.choice(places).lower()}"},
        lambda: {"q": _typo(rng.choice(names).split()[-1].lower(), rng)},
        lambda: {"q": _typo(rng.choice(TRADE_WORDS).split()[-1], rng)},
        lambda: {"page": rng.randint(2, 200)},
        lambda: {"q": rng.choice(names).split()[0].lower(), "page": rng.randint(2, 5)},
    ]
    attempts = 0
    while len(seen) < count and attempts < count * 50:
        attempts += 1
        seen[urlencode(rng.choice(makers)(), doseq=True)] = None
    return list(seen)
