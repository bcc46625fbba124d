"""Staff see a member's score trend chart, the same one the member sees."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from portal.core.db import utcnow
from portal.extensions import db
from portal.reviews.models import Provider, ReviewSystem, ScoreSnapshot, SystemStatus


def test_staff_member_page_shows_the_score_chart(staff_client, make_company):
    company = make_company(trade_name="Grafiek Installaties")
    now = utcnow()
    system = ReviewSystem(
        company_id=company.id, provider=Provider.KIYOH, status=SystemStatus.ACTIVE,
        score=Decimal("8.80"), scale_max=Decimal("10"), review_count=40, fetched_at=now,
    )  # fmt: skip
    db.session.add(system)
    db.session.flush()
    for months, score in ((3, "8.1"), (2, "8.4"), (1, "8.8")):
        db.session.add(
            ScoreSnapshot(
                review_system_id=system.id, company_id=company.id, provider=Provider.KIYOH,
                day=(now - timedelta(days=30 * months)).date(), score=Decimal(score),
                scale_max=Decimal("10"), review_count=30 + months,
            )
        )  # fmt: skip
    db.session.commit()
    page = staff_client.get(f"/beheer/criterium-2/leden/{company.public_id}").text
    assert "Verloop van de score" in page
    assert '<figure class="rv-chart">' in page and "<svg" in page
    assert "8,8 / 10" in page or "8,8" in page


def test_no_chart_without_a_working_system(staff_client, make_company):
    company = make_company()
    page = staff_client.get(f"/beheer/criterium-2/leden/{company.public_id}").text
    assert "Verloop van de score" not in page
