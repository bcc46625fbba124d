"""The criterium-2 card: traffic-light states, own-scale score, threshold progress, chart."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.reviews import services
from portal.reviews.charts import HEIGHT, TOP, build_chart, score_chart
from portal.reviews.models import Provider, ReviewSystem, ScoreSnapshot, SystemStatus

NOW = datetime.now(UTC)
FIGURES = {"fetched_at": NOW, "last_success_at": NOW, "last_attempt_at": NOW, "last_outcome": "ok"}
KV = {"provider": Provider.KLANTENVERTELLEN, "status": SystemStatus.ACTIVE}
OTHER = {
    "provider": Provider.OTHER,
    "other_name": "WerkSpot",
    "other_url": "https://werkspot.example",
}


def kv_figures(score: str | None, count: int, **extra) -> dict:
    value = Decimal(score) if score is not None else None
    return {
        **KV,
        **FIGURES,
        "score": value,
        "scale_max": Decimal(10),
        "review_count": count,
        **extra,
    }


CASES = {
    "no system": (None, {"state": "ontbreekt", "color": "red", "label": "Ontbreekt"}),
    "requested": (
        {"provider": Provider.KLANTENVERTELLEN, "status": SystemStatus.REQUESTED, "included": True},
        {"state": "aangevraagd", "color": "orange", "label": "Aangevraagd", "score_text": ""},
    ),
    "active, 3 of 5": (
        kv_figures("7.5", 3),
        {
            "state": "actief",
            "color": "green",
            "score_text": "",
            "count_text": "3 beoordelingen",
            "progress_text": "Nog geen score: 3 van de 5 beoordelingen",
            "public": False,
        },
    ),
    "active, 42": (
        kv_figures("8.94", 42),
        {
            "state": "actief",
            "score_text": "8,9 / 10",
            "count": 42,
            "count_text": "42 beoordelingen",
            "provider_label": "Klantenvertellen",
            "public": True,
            "problem": "",
        },
    ),
    "active, one review": (kv_figures("9", 1), {"count_text": "1 beoordeling"}),
    "active, no reviews": (
        kv_figures(None, 0),
        {"progress_text": "Nog geen beoordelingen", "score_text": ""},
    ),
    "feedback company": (
        {
            **FIGURES,
            "provider": Provider.FEEDBACK_COMPANY,
            "status": SystemStatus.ACTIVE,
            "score": Decimal("4.44"),
            "scale_max": Decimal(5),
            "review_count": 12,
        },
        {"score_text": "4,4 / 5", "provider_label": "Feedback Company"},
    ),
    "stale": (
        kv_figures("8.9", 42, fetched_at=NOW - timedelta(days=40)),
        {
            "score_text": "8,9 / 10",
            "public": False,
            "progress_text": "Uw score is ouder dan 30 dagen en staat daarom niet in de ledenzoeker.",
        },
    ),
    "in review": (
        {**OTHER, "status": SystemStatus.IN_REVIEW},
        {
            "state": "in_beoordeling",
            "color": "orange",
            "label": "In beoordeling",
            "provider_label": "WerkSpot",
        },
    ),
    "rejected with reason": (
        {
            **OTHER,
            "status": SystemStatus.REJECTED,
            "decision_reason": "Geen openbare beoordelingspagina.",
        },
        {
            "state": "ontbreekt",
            "color": "red",
            "label": "Afgewezen",
            "decision_reason": "Geen openbare beoordelingspagina.",
        },
    ),
    "approved other shows outcome and reason": (
        {
            **OTHER,
            "status": SystemStatus.APPROVED,
            "decision_reason": "Openbaar en onafhankelijk.",
            "decided_at": NOW,
        },
        {
            "state": "actief",
            "color": "green",
            "decision_label": "Goedgekeurd",
            "decision_reason": "Openbaar en onafhankelijk.",
            "decided_at": NOW,
        },
    ),
    "more information asked": (
        {**OTHER, "status": SystemStatus.MORE_INFO, "decision_reason": "Stuur een schermafdruk."},
        {
            "decision_label": "Meer informatie gevraagd",
            "decision_reason": "Stuur een schermafdruk.",
        },
    ),
    "linked provider has no decision": (
        kv_figures("8.9", 42, decision_reason="niet van toepassing"),
        {"decision_label": "", "decision_reason": "", "self_reported": False},
    ),
    "confirmed self-reported score": (
        {
            **OTHER,
            **FIGURES,
            "status": SystemStatus.APPROVED,
            "score": Decimal("8.2"),
            "scale_max": Decimal(10),
            "review_count": 20,
            "self_reported": True,
        },
        {"score_text": "8,2 / 10", "self_reported": True, "public": True},
    ),
    "unchecked": (
        {**KV, "status": SystemStatus.UNCHECKED, "last_outcome": "timeout", "last_attempt_at": NOW},
        {
            "state": "in_beoordeling",
            "label": "Nog niet gecontroleerd",
            "problem": "Klantenvertellen is nu niet bereikbaar. Probeer het later opnieuw.",
        },
    ),
    "last error shown": (
        kv_figures("8.9", 42, last_outcome="auth_error", last_success_at=NOW - timedelta(days=2)),
        {
            "score_text": "8,9 / 10",
            "problem": "Klantenvertellen accepteert deze API-token niet. Controleer of u de token volledig hebt gekopieerd.",
        },
    ),
    "error before a later success is hidden": (
        kv_figures("8.9", 42, last_outcome="ok", last_error_message="oud probleem"),
        {"problem": ""},
    ),
}


@pytest.mark.parametrize(("fields", "expected"), CASES.values(), ids=CASES.keys())
def test_card_states(app, make_company, fields, expected):
    company = make_company()
    if fields is not None:
        db.session.add(ReviewSystem(company_id=company.id, **fields))
        db.session.commit()
    card = services.criterion_card(company)
    actual = {key: getattr(card, key) for key in expected}
    assert actual == expected


def test_dashboard_shows_the_card_with_a_link_to_the_overview(client, make_user, login):
    user = make_user()
    db.session.add(ReviewSystem(company_id=user.company_id, **kv_figures("8.7", 42)))
    db.session.commit()
    login(client, user)
    page = client.get("/mijn-profiel/")
    assert page.status_code == 200
    assert "Criterium 2: klantbeoordelingen" in page.text and "8,7 / 10" in page.text
    assert 'href="/mijn-profiel/beoordelingen/"' in page.text
    assert "status-ok" in page.text


def test_member_sees_the_approval_reason_and_self_reported_mark(client, make_user, login):
    user = make_user()
    db.session.add(
        ReviewSystem(
            company_id=user.company_id,
            **OTHER,
            **FIGURES,
            status=SystemStatus.APPROVED,
            decision_reason="Openbaar en onafhankelijk.",
            decided_at=NOW,
            score=Decimal("8.2"),
            scale_max=Decimal(10),
            review_count=20,
            self_reported=True,
        )
    )
    db.session.commit()
    login(client, user)
    page = client.get("/mijn-profiel/beoordelingen/").text
    assert "Besluit van ledenservice:</strong> Goedgekeurd" in page
    assert "Openbaar en onafhankelijk." in page
    assert "8,2 / 10 <span" in page and "zelf opgegeven" in page


def test_card_escapes_member_text(client, make_user, login):
    user = make_user()
    evil = "<script>alert(1)</script>"
    db.session.add(
        ReviewSystem(
            company_id=user.company_id,
            **{**OTHER, "other_name": evil},
            status=SystemStatus.REJECTED,
            decision_reason=evil,
        )
    )
    db.session.commit()
    login(client, user)
    page = client.get("/mijn-profiel/beoordelingen/")
    assert evil not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def add_snapshots(system: ReviewSystem, points: list[tuple[date, str, int]]) -> None:
    for day, score, count in points:
        db.session.add(
            ScoreSnapshot(
                review_system_id=system.id,
                company_id=system.company_id,
                provider=system.provider,
                day=day,
                score=Decimal(score),
                scale_max=Decimal(10),
                review_count=count,
            )
        )
    db.session.commit()


def test_chart_keeps_the_last_snapshot_per_month_for_twelve_months(app, make_company):
    company = make_company()
    system = ReviewSystem(company_id=company.id, **kv_figures("8.0", 10))
    db.session.add(system)
    db.session.commit()
    today = date(2026, 11, 23)
    add_snapshots(
        system,
        [
            (date(2025, 10, 1), "5.0", 1),  # older than 12 months: left out
            (date(2026, 1, 5), "7.0", 4),
            (date(2026, 1, 28), "7.4", 5),  # last of January wins
            (date(2026, 6, 1), "8.1", 8),
            (date(2026, 11, 20), "8.0", 10),
        ],
    )
    chart = score_chart(system, today=today)
    assert [(p.month_label, p.score_text, p.count) for p in chart.points] == [
        ("jan 2026", "7,4", 5),
        ("jun 2026", "8,1", 8),
        ("nov 2026", "8,0", 10),
    ]
    assert chart.title == "Scoreverloop Klantenvertellen"
    assert "jan 2026 tot en met nov 2026" in chart.description


def test_chart_coordinates_follow_the_own_scale():
    chart = build_chart(
        [(date(2026, 1, 1), 5.0, 3), (date(2026, 2, 1), 5.0, 4)],
        scale_max=5.0,
        provider_label="Feedback Company",
    )
    assert [p.y for p in chart.points] == [TOP, TOP]
    assert chart.scale_text == "5" and [label for _, label in chart.gridlines] == ["0", "2,5", "5"]
    low = build_chart([(date(2026, 1, 1), 0.0, 0)], scale_max=10.0, provider_label="Kiyoh")
    assert low.points[0].y == HEIGHT - 26 and low.polyline.count(",") == 1


def test_overview_renders_the_svg_chart_with_text_alternative(client, make_user, login):
    user = make_user()
    system = ReviewSystem(company_id=user.company_id, **kv_figures("8.5", 30))
    db.session.add(system)
    db.session.commit()
    today = datetime.now(UTC).date()
    add_snapshots(system, [(today - timedelta(days=70), "8.1", 20), (today, "8.5", 30)])
    login(client, user)
    page = client.get("/mijn-profiel/beoordelingen/")
    html = page.text
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and "<polyline" in html
    assert '<title id="rv-chart-title">Scoreverloop Klantenvertellen</title>' in html
    assert '<div class="visually-hidden"><table>' in html and "<td>8,5 / 10</td>" in html
    assert "style=" not in html and "<script>" not in html
