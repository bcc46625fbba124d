"""`flask complaints fetch-reviews`: parsing, and a real HTTP run against the local emulator."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.complaints import queries
from portal.complaints.models import ComplaintPolicy, SyncedReview
from portal.complaints.review_fetch import parse_fbc_reviews, parse_publication_reviews
from portal.extensions import db
from portal.reviews.models import Provider
from tests.reviews.conftest import (  # noqa: F401  (fixtures)
    emulator,
    emulator_config,
    emulator_server,
    make_link,
)


def test_parse_publication_reviews_keeps_only_safe_fields():
    data = {
        "reviews": [
            {
                "reviewId": "a1",
                "reviewAuthor": "Jan Jansen",
                "city": "Breda",
                "rating": 3,
                "dateSince": "2026-03-01T10:00:00.000+01:00",
                "reviewContent": [
                    {"questionGroup": "DEFAULT_ONELINER", "rating": "Te laat"},
                    {"questionGroup": "DEFAULT_OPINION", "rating": "Lang verhaal"},
                ],
            },
            {"reviewId": "a2", "rating": 11, "dateSince": "2026-03-01T10:00:00Z"},  # out of range
            {"reviewId": "", "rating": 5, "dateSince": "2026-03-01"},  # no id
            {"reviewId": "a4", "rating": "7", "dateSince": "gisteren"},  # no date
            "rommel",
        ]
    }
    parsed = parse_publication_reviews(data)
    assert parsed == [
        {
            "provider_review_id": "a1",
            "rating": Decimal(3),
            "scale_max": Decimal(10),
            "reviewed_at": datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
            "author_city": "Breda",
            "headline": "Te laat",
        }
    ]
    assert parse_publication_reviews({"reviews": "x"}) == []


def test_parse_fbc_reviews_never_reads_the_email():
    data = {
        "reviews": [
            {
                "id": 991,
                "date_created": "2026-02-02 08:00:00",
                "total_score": 2,
                "client": {"name": "Piet", "email": "piet@klant.example", "city": "Ede"},
                "questions": [{"type": "main_open", "value": "Niet goed"}],
            }
        ]
    }
    (item,) = parse_fbc_reviews(data)
    assert item["provider_review_id"] == "991" and item["scale_max"] == Decimal(5)
    assert item["author_city"] == "Ede" and item["headline"] == "Niet goed"
    assert "piet@klant.example" not in repr(item) and "Piet" not in repr(item)


@pytest.fixture
def app_config(emulator):  # noqa: F811
    return emulator_config(emulator)


def test_fetch_reviews_over_http_is_idempotent(app, make_link):  # noqa: F811
    system = make_link(Provider.KLANTENVERTELLEN, "1000001")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["complaints", "fetch-reviews"])
    assert first.exit_code == 0, first.output
    assert first.output.strip() == "links=1 new=25 failed=0"
    second = runner.invoke(args=["complaints", "fetch-reviews"])
    assert second.output.strip() == "links=1 new=0 failed=0"
    rows = db.session.scalars(select(SyncedReview)).all()
    assert len(rows) == 25 and all(r.company_id == system.company_id for r in rows)
    assert all(Decimal(1) <= r.rating <= Decimal(10) for r in rows)
    db.session.add(ComplaintPolicy(company_id=system.company_id, negative_review_below=Decimal(10)))
    db.session.commit()
    below = db.session.scalar(
        select(func.count()).select_from(SyncedReview).where(SyncedReview.rating < 10)
    )
    assert len(queries.negative_reviews(system.company, limit=100)) == below


def test_fetch_failure_is_counted_not_raised(app, make_link):  # noqa: F811
    make_link(Provider.KIYOH, "1000002", creds={"token": "wrong"})
    result = app.test_cli_runner().invoke(args=["complaints", "fetch-reviews"])
    assert result.exit_code == 0
    assert result.output.strip() == "links=1 new=0 failed=1"
    assert "wrong" not in result.output
