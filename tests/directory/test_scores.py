"""The public score rule: threshold, freshness, status, and its Dutch text forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from portal.directory.scores import ScoreState, public_score
from portal.reviews.models import Provider, SystemStatus

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def system(**overrides):
    values = {
        "provider": Provider.KLANTENVERTELLEN,
        "status": SystemStatus.ACTIVE,
        "is_current": True,
        "score": Decimal("8.94"),
        "scale_max": Decimal("10"),
        "review_count": 42,
        "fetched_at": NOW - timedelta(days=1),
    }
    values.update(overrides)
    return SimpleNamespace(**values)


def judge(facts, *, min_count=5, max_age_days=30):
    return public_score(facts, min_count=min_count, max_age_days=max_age_days, now=NOW)


@pytest.mark.parametrize(
    ("count", "state", "card"),
    [
        (4, ScoreState.BELOW_MINIMUM, "Nog geen score: 4 van de 5 beoordelingen"),
        (5, ScoreState.SHOWN, "8,9 / 10 (5 beoordelingen, Klantenvertellen)"),
        (6, ScoreState.SHOWN, "8,9 / 10 (6 beoordelingen, Klantenvertellen)"),
    ],
)
def test_threshold_at_four_five_six_reviews(app, count, state, card):
    with app.test_request_context():
        result = judge(system(review_count=count))
        assert result.state is state
        assert result.visible is (state is ScoreState.SHOWN)
        assert result.card_text == card


def test_threshold_follows_the_setting(app):
    with app.test_request_context():
        assert judge(system(review_count=9), min_count=10).progress_text == (
            "Nog geen score: 9 van de 10 beoordelingen"
        )
        assert judge(system(review_count=3), min_count=3).visible is True


def test_zero_reviews_and_three_reviews_texts(app):
    with app.test_request_context():
        assert judge(system(review_count=0, score=None)).card_text == "Nog geen beoordelingen"
        assert judge(system(review_count=3)).card_text == "Nog geen score: 3 van de 5 beoordelingen"
        assert judge(system(review_count=0)).value_text == ""


def test_feedback_company_keeps_its_own_scale(app):
    facts = system(provider=Provider.FEEDBACK_COMPANY, score=Decimal("4.6"), scale_max=Decimal("5"))
    with app.test_request_context():
        result = judge(facts)
        assert result.value_text == "4,6 / 5"
        assert result.card_text == "4,6 / 5 (42 beoordelingen, Feedback Company)"


def test_one_decimal_rounds_half_up_with_comma(app):
    with app.test_request_context():
        assert judge(system(score=Decimal("8.85"))).value_text == "8,9 / 10"
        assert judge(system(score=Decimal("7.04"))).value_text == "7,0 / 10"
        assert judge(system(review_count=1234)).count_text == "1.234 beoordelingen"
        assert judge(system(review_count=1), min_count=1).count_text == "1 beoordeling"


def test_stale_figures_are_not_public(app):
    with app.test_request_context():
        fresh = judge(system(fetched_at=NOW - timedelta(days=30)))
        stale = judge(system(fetched_at=NOW - timedelta(days=30, seconds=1)))
        assert fresh.state is ScoreState.SHOWN
        assert stale.state is ScoreState.STALE
        assert stale.card_text == ""
        assert stale.value_text == ""


@pytest.mark.parametrize(
    "overrides",
    [
        {"status": SystemStatus.REQUESTED},
        {"status": SystemStatus.IN_REVIEW},
        {"status": SystemStatus.REJECTED},
        {"status": SystemStatus.ENDED},
        {"status": "nonsense"},
        {"is_current": False},
        {"fetched_at": None},
        {"provider": None},
    ],
)
def test_only_current_active_or_approved_systems_count(app, overrides):
    with app.test_request_context():
        result = judge(system(**overrides))
        assert result.state is ScoreState.NONE
        assert result.card_text == ""


def test_approved_other_system_with_figures_is_shown(app):
    facts = system(status=SystemStatus.APPROVED, provider=Provider.OTHER)
    with app.test_request_context():
        assert judge(facts).card_text == "8,9 / 10 (42 beoordelingen, Ander systeem)"


def test_no_system_invents_nothing(app):
    with app.test_request_context():
        result = judge(None)
        assert result.state is ScoreState.NONE
        assert (result.card_text, result.progress_text, result.value_text) == ("", "", "")
