"""Demo data that shows every feature: distinct names, fitting descriptions, logos, bad reviews."""

from __future__ import annotations

import io
from collections import Counter

from PIL import Image

from portal.demo import names
from portal.demo.generate import generate
from portal.dev import emulator_data


def test_names_are_mostly_distinct_and_descriptions_fit_the_specialisms():
    companies = generate(1500, seed=7)
    shown = Counter(c.row["trade_name"] or c.row["legal_name"] for c in companies)
    assert len(shown) / len(companies) > 0.9
    assert max(shown.values()) <= 4
    labels = dict(names.SPECIALISMS)
    described = [c for c in companies if c.row["description"]]
    assert len(described) > 1000
    for company in described:
        own = [labels[s].lower() for s in company.specialisms]
        assert any(word in company.row["description"] for word in own), company.row


def test_tussenvoegsel_is_lower_case_after_a_first_name():
    companies = generate(800, seed=3)
    for company in companies:
        name = company.row["legal_name"]
        for first in names.FIRST_NAMES:
            assert f"{first} Van " not in name and f"{first} De " not in name


def test_demo_logins_and_some_members_have_a_logo():
    companies = generate(600, seed=2026)
    assert all(c.row["logo_data"] for c in companies[:3])
    with_logo = [c for c in companies if c.row["logo_data"]]
    assert 0.05 < len(with_logo) / len(companies) < 0.2
    image = Image.open(io.BytesIO(companies[0].row["logo_data"]))
    assert image.format == "PNG" and image.size == (240, 120)
    assert companies[0].row["logo_mime"] == "image/png"


def test_every_demo_location_has_a_few_failing_reviews():
    location = emulator_data.location("1000001")
    reviews = emulator_data.reviews(location, 40)
    failing = [r for r in reviews if r["rating"] < 6]
    assert 3 <= len(failing) <= 5
    assert all(r["text"] in emulator_data.NEGATIVE_OPINIONS for r in failing)
    fbc = emulator_data.location("2000001", fbc=True)
    assert any(r["rating"] <= 2 for r in emulator_data.reviews(fbc, 20))
