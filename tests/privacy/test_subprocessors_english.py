"""Sub-processors on the public privacy statement: listed, and in English under ?lang=en (the
entry's own English from SUBPROCESSORS, else the catalogue); the agreement keeps the Dutch."""

from __future__ import annotations

import pytest

from portal.config import ConfigError
from portal.config.legal import subprocessors as _subprocessors
from portal.core import association


def test_five_fields_carry_the_english_and_three_still_work():
    parsed = _subprocessors(
        {"SUBPROCESSORS": "Host B.V.|opslag van back-ups|Zweden (EU)|backup storage|Sweden (EU);"
                          "Mail B.V.|e-mail|Ierland (EU)"},
        production=True,
    )  # fmt: skip
    assert parsed[0] == {
        "name": "Host B.V.", "service": "opslag van back-ups", "location": "Zweden (EU)",
        "service_en": "backup storage", "location_en": "Sweden (EU)",
    }  # fmt: skip
    assert parsed[1] == {"name": "Mail B.V.", "service": "e-mail", "location": "Ierland (EU)"}
    with pytest.raises(ConfigError):
        _subprocessors({"SUBPROCESSORS": "Host|a|b|c"}, production=True)


@pytest.fixture
def configured(app, monkeypatch):
    monkeypatch.setitem(
        app.config,
        "SUBPROCESSORS",
        [
            {"name": "Host B.V.", "service": "opslag van back-ups", "location": "Zweden (EU)",
             "service_en": "backup storage", "location_en": "Sweden (EU)"},
            {"name": "Mail B.V.", "service": "e-mail", "location": "Ierland (EU)"},
            {"name": "Eigen B.V.", "service": "monitoring", "location": "Nederland (EU)"},
        ],
    )  # fmt: skip


def test_statement_lists_them_in_dutch_and_english(client, configured):
    dutch = client.get("/privacy").text
    assert "Host B.V.: opslag van back-ups (Zweden (EU))" in dutch
    assert "Mail B.V.: e-mail (Ierland (EU))" in dutch
    english = client.get("/privacy?lang=en").text
    assert "Host B.V.: backup storage (Sweden (EU))" in english  # own English
    assert "Mail B.V.: e-mail (Ireland (EU))" in english  # through the catalogue
    assert "Eigen B.V.: monitoring (the Netherlands (EU))" in english  # unknown word as is
    assert "Zweden" not in english and "Ierland" not in english
    assert "Kiyoh: review platform: sending invitations and fetching reviews" in english
    assert "beoordelingsplatform" not in english


def test_agreement_keeps_the_three_dutch_fields(app, configured):
    with app.app_context():
        listed = association.subprocessors()
    assert listed[0] == {
        "name": "Host B.V.", "service": "opslag van back-ups", "location": "Zweden (EU)"
    }  # fmt: skip
