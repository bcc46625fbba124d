"""Counts on public pages use the page language's thousands separator (Flask-Babel
format_number): "1,234 installers found" under ?lang=en, "1.234 installateurs gevonden" in Dutch."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import refresh

from portal.complaints.routes.public import retention_text
from portal.core.templating import format_count, nl_int
from portal.directory.forms import SearchQuery
from portal.directory.scores import PublicScore, ScoreState
from portal.directory.services import SearchResult


@pytest.mark.parametrize(
    ("lang", "found", "reviews", "progress"),
    [
        ("en", "1,234 installers found", "12,345 reviews", "No score yet: 1,001 of the 1,500 reviews"),
        ("nl", "1.234 installateurs gevonden", "12.345 beoordelingen",
         "Nog geen score: 1.001 van de 1.500 beoordelingen"),
    ],
)  # fmt: skip
def test_count_sentences_follow_the_page_language(app, lang, found, reviews, progress):
    with app.test_request_context(f"/ledenzoeker/?lang={lang}"):
        app.preprocess_request()
        refresh()  # the test's app context outlives each request; real requests get their own
        assert SearchResult(query=SearchQuery(), total=1234).summary == found
        shown = PublicScore(
            ScoreState.SHOWN, "Kiyoh", Decimal("8.5"), Decimal("10"), review_count=12345
        )
        assert shown.count_text == reviews
        below = PublicScore(ScoreState.BELOW_MINIMUM, "Kiyoh", review_count=1001, min_count=1500)
        assert below.progress_text == progress


def test_english_page_and_dutch_page_render_counts_differently(app):
    with app.test_request_context("/ledenzoeker/?lang=en"):
        app.preprocess_request()
        refresh()  # the test's app context outlives each request; real requests get their own
        assert nl_int(6300) == "6,300" and retention_text(1201) == "1,201 days"
        rendered = app.jinja_env.from_string("{{ 1234567|nl_int }}").render()
        assert rendered == "1,234,567"
    with app.test_request_context("/ledenzoeker/"):
        app.preprocess_request()
        refresh()  # the test's app context outlives each request; real requests get their own
        assert nl_int(6300) == "6.300"
    with app.test_request_context("/mijn-profiel/?lang=en"):  # member pages stay Dutch
        refresh()
        assert nl_int(6300) == "6.300"


def test_outside_a_request_counts_are_dutch(app):
    with app.app_context():
        assert format_count(1234) == "1.234"
