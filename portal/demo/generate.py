"""Deterministic generation of demo companies and review systems (pure: no database).

Everything comes from one seeded `random.Random`, so two runs with the same seed and size give
identical rows. Contact data only uses reserved example domains (example.nl, example.com,
.example); review-page links point at the providers' public hosts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from portal.data.places import Place, load_places
from portal.demo import names
from portal.demo.generate_reviews import REFERENCE_DATE, demo_uuid, review_system
from portal.members.models import MembershipStatus
from portal.members.services import slugify

POSTCODE_LETTERS = "ABCDEFGHJKLMNPRSTVWXZ"
FORBIDDEN_SUFFIXES = {"SA", "SD", "SS"}


@dataclass
class DemoCompany:
    """One generated company: its column values plus links to the managed lists."""

    row: dict
    specialisms: list[str] = field(default_factory=list)  # slugs
    recognitions: list[str] = field(default_factory=list)  # slugs
    system: dict | None = None  # ReviewSystem columns, without company_id
    secrets: dict | None = None  # credential payload to encrypt once the system has an id


def generate(count: int, *, seed: int = 2026) -> list[DemoCompany]:
    """`count` companies spread over the Netherlands roughly by town size."""
    rng = random.Random(seed)
    places = load_places()
    weights = [p.pc4_count for p in places]
    towns = rng.choices(places, weights=weights, k=count)
    towns[:2] = [_place(places, "Utrecht"), _place(places, "Zwolle")]
    kvk_numbers = rng.sample(range(10_000_000, 100_000_000), count)
    member_numbers = sorted(rng.sample(range(1_000, 1_000_000), count))
    slugs: set[str] = set()
    companies = []
    for i in range(count):
        specialisms = _pick_specialisms(rng)
        company = _company(rng, i, towns[i], kvk_numbers[i], member_numbers[i], slugs, specialisms)
        company.specialisms = specialisms
        company.recognitions = rng.sample(
            [s for s, _ in names.RECOGNITIONS], rng.choice((0, 1, 1, 2, 3))
        )
        company.system, company.secrets = review_system(rng, i, company.row)
        companies.append(company)
    return companies


def _place(places: list[Place], name: str) -> Place:
    return next(p for p in places if p.name == name)


def _company_names(rng: random.Random, i: int, town: Place) -> tuple[str, str]:
    """(legal name, trade name); the first two are fixed for the demo logins."""
    if i == 0:
        return "Installatiebedrijf De Vries B.V.", "De Vries Installatietechniek"
    if i == 1:
        return "Hénk Müller Installaties B.V.", "Hénk Müller Installaties"
    if rng.random() < 0.01:
        owner = rng.choice(names.ACCENTED_OWNERS)
        trade = f"{owner} {rng.choice(('Installaties', 'Elektro', 'Klimaattechniek', 'Warmte'))}"
        return f"{trade} B.V.", trade
    if rng.random() < 0.03:
        legal, trade = rng.choice(names.TOWN_PATTERNS)
        return legal.format(t=town.name), trade.format(t=town.name)
    surname = rng.choice(names.SURNAMES)
    roll = rng.random()
    if roll < 0.8:
        # After a first name or initial the tussenvoegsel is written in lower case.
        words = surname.split()
        lowered = " ".join(
            w.lower() if w in ("Van", "De", "Den", "Der", "Ten") else w for w in words
        )
        first = rng.choice(names.FIRST_NAMES) if roll < 0.45 else rng.choice(names.INITIALS) + "."
        surname = f"{first} {lowered}"
    legal, trade = rng.choice(names.COMPANY_PATTERNS)
    return legal.format(s=surname), trade.format(s=surname)


def _company(
    rng: random.Random,
    i: int,
    town: Place,
    kvk: int,
    number: int,
    slugs: set[str],
    specialisms: list[str],
) -> DemoCompany:
    legal, trade = _company_names(rng, i, town)
    name = trade or legal
    slug = _unique_slug(name if town.name in name else f"{name} {town.name}", slugs)
    domain = "example.nl" if i % 3 else "example.com"
    since = _member_since(rng)
    status, ended = _membership(rng, i, since)
    row = {
        "public_id": demo_uuid(rng),
        "slug": slug,
        "member_number": f"L{number:06d}",
        "kvk_number": f"{kvk:08d}",
        "establishment_number": f"{rng.randrange(10**9, 10**10):012d}",
        "legal_name": legal,
        "trade_name": trade,
        **_address(rng, town),
        "phone": _phone(rng, town),
        "email": f"{slug[:50]}@{domain}",
        "website": f"https://www.{slug[:50]}.example" if i < 4 or rng.random() < 0.75 else "",
        "description": _description(rng, town, since, specialisms) if rng.random() < 0.85 else "",
        "opening_hours": rng.choice(names.OPENING_HOURS) if rng.random() < 0.7 else "",
        "membership_status": status,
        "member_since": since,
        "membership_ended_on": ended,
        **_visibility(rng, i),
        **_logo(rng, i, name),
    }
    return DemoCompany(row=row)


def _logo(rng: random.Random, i: int, name: str) -> dict:
    """A simple initials logo for the demo logins' companies and about one member in ten."""
    if not (i < 3 or rng.random() < 0.1):
        return {"logo_data": None, "logo_mime": "", "logo_updated_at": None}
    from portal.demo.logos import initials_logo

    return {
        "logo_data": initials_logo(name, hue=rng.randrange(360)),
        "logo_mime": "image/png",
        "logo_updated_at": datetime.combine(REFERENCE_DATE, time(9), tzinfo=UTC),
    }


def _unique_slug(text: str, taken: set[str]) -> str:
    base = slugify(text)
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _address(rng: random.Random, town: Place) -> dict:
    """Street, number, a postcode in the town's PC4 range and jittered coordinates."""
    letters = "ZZ"
    while letters == "ZZ" or letters in FORBIDDEN_SUFFIXES:
        letters = "".join(rng.choice(POSTCODE_LETTERS) for _ in range(2))
    lat = town.lat + max(-0.035, min(0.035, rng.gauss(0, 0.011)))
    lon = town.lon + max(-0.055, min(0.055, rng.gauss(0, 0.017)))
    return {
        "street": rng.choice(names.STREETS),
        "house_number": str(rng.randint(1, 250)),
        "house_number_addition": rng.choice(("", "", "", "", "", "A", "B", "a", "2", "-10")).lstrip(
            "-"
        ),
        "postcode": f"{rng.randint(town.pc4_from, town.pc4_to)} {letters}",
        "city": town.name,
        "latitude": round(lat, 6),
        "longitude": round(lon, 6),
    }


def _phone(rng: random.Random, town: Place) -> str:
    if rng.random() < 0.3:
        return f"06 {rng.randint(10_000_000, 99_999_999)}"
    code = names.AREA_CODES.get(town.name) or names.PROVINCE_AREA_CODES[town.province]
    digits = 10 - len(code)
    number = str(rng.randint(2 * 10 ** (digits - 1), 10**digits - 1))
    if digits == 7:
        return f"{code} {number[:3]} {number[3:5]} {number[5:]}"
    return f"{code} {number[:2]} {number[2:4]} {number[4:]}"


def _description(rng: random.Random, town: Place, since: date, specialisms: list[str]) -> str:
    """A short text about the company's own specialisms (a second one added when it has one)."""
    labels = dict(names.SPECIALISMS)
    own = [labels[s].lower() for s in specialisms]
    rng.shuffle(own)
    a = own[0]  # every opener names the first; a company with one specialism gets a service
    b = own[1] if len(own) > 1 else rng.choice(("onderhoud", "storingen", "advies", "renovatie"))
    opener = rng.choice(names.DESCRIPTION_OPENERS)
    years = max(2, REFERENCE_DATE.year - since.year)
    return opener.format(a=a, b=b, t=town.name, y=years)


def _member_since(rng: random.Random) -> date:
    year = max(1975, REFERENCE_DATE.year - int(rng.expovariate(1 / 11)))
    start = date(year, 1, 1)
    span = min((REFERENCE_DATE - start).days, 364)
    return start + timedelta(days=rng.randint(0, max(0, span)))


def _membership(rng: random.Random, i: int, since: date) -> tuple[MembershipStatus, date | None]:
    draw = rng.random()
    if i < 4 or draw >= 0.04:
        return MembershipStatus.ACTIVE, None
    if draw < 0.03:
        earliest = max(since + timedelta(days=180), date(2021, 1, 1))
        span = max(1, (REFERENCE_DATE - earliest).days)
        return MembershipStatus.ENDED, earliest + timedelta(days=rng.randint(0, span))
    return MembershipStatus.SUSPENDED, None


def _visibility(rng: random.Random, i: int) -> dict:
    fixed = i < 4
    return {
        "show_address": fixed or rng.random() >= 0.04,
        "show_phone": fixed or rng.random() >= 0.05,
        "show_email": fixed or rng.random() >= 0.08,
        "show_website": fixed or rng.random() >= 0.03,
        "show_description": True,
        "show_opening_hours": fixed or rng.random() >= 0.05,
        "directory_opt_out": not fixed and rng.random() < 0.02,
    }


def _pick_specialisms(rng: random.Random) -> list[str]:
    slugs = [s for s, _ in names.SPECIALISMS]
    wanted = rng.choice((1, 2, 2, 3, 3, 3, 4, 5))
    picked: list[str] = []
    while len(picked) < wanted:
        slug = rng.choices(slugs, weights=names.SPECIALISM_WEIGHTS)[0]
        if slug not in picked:
            picked.append(slug)
    return sorted(picked)
