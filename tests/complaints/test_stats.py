"""Statistics on a generated data set, checked against a straightforward computation."""

from __future__ import annotations

import io
import math
import random
import statistics
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from portal.complaints import stats
from portal.complaints.models import Channel, Complaint, ComplaintCategory, ComplaintStatus
from portal.extensions import db

START, END = date(2026, 1, 1), date(2026, 12, 31)
CATEGORIES = ("Kwaliteit werk", "Planning/levertijd", '=HYPERLINK("x")', "Schade")


def _generate(company_id: int, n: int, seed: int) -> list[dict]:
    """Random complaints in and around 2026; returns the plain facts for the reference check."""
    rng = random.Random(seed)
    categories = [
        ComplaintCategory(company_id=company_id, name=name, position=i)
        for i, name in enumerate(CATEGORIES)
    ]
    db.session.add_all(categories)
    facts = []
    for i in range(n):
        received = date(2025, 12, 1) + timedelta(days=rng.randrange(0, 420))
        due = received + timedelta(days=14)
        closed = rng.random() < 0.7
        first_closed = received + timedelta(days=rng.randrange(0, 40)) if closed else None
        reopened = rng.randrange(0, 2) if closed else 0
        status = ComplaintStatus.CLOSED if closed else rng.choice(list(ComplaintStatus)[:4])
        category = rng.choice(categories)
        channel = rng.choice(list(Channel))
        db.session.add(
            Complaint(
                company_id=company_id,
                reference=f"K-{i:05d}",
                complainant_name="x",
                received_on=received,
                channel=channel,
                category=category,
                status=status,
                ack_due_on=received,
                due_on=due,
                first_closed_on=first_closed,
                reopen_count=reopened,
            )
        )
        facts.append(
            {
                "received": received,
                "due": due,
                "first_closed": first_closed,
                "reopened": reopened,
                "category": category.name,
                "channel": channel.value,
                "status": status.value,
            }
        )
    db.session.commit()
    return facts


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_figures_match_a_plain_computation(member, make_user, seed):
    facts = _generate(member.company_id, 400, seed)
    _generate(make_user().company_id, 50, seed + 100)  # another company: must not count
    rows = stats.load_rows(company_id=member.company_id, start=START, end=END)
    figures = stats.compute(rows, start=START, end=END)

    in_period = [f for f in facts if START <= f["received"] <= END]
    closed = [f for f in in_period if f["first_closed"]]
    durations = sorted((f["first_closed"] - f["received"]).days for f in closed)
    assert figures.total == len(in_period) > 200
    assert figures.closed == len(closed)
    assert figures.median_days == statistics.median(durations)
    assert figures.p90_days == durations[math.ceil(0.9 * len(durations)) - 1]
    within = sum(1 for f in closed if f["first_closed"] <= f["due"])
    assert figures.within_deadline == within
    assert figures.within_share == pytest.approx(within / len(closed))
    assert figures.reopened_share == pytest.approx(
        sum(1 for f in closed if f["reopened"]) / len(closed)
    )
    by_category = {}
    for f in in_period:
        by_category[f["category"]] = by_category.get(f["category"], 0) + 1
    assert dict(figures.by_category) == by_category
    assert sum(n for _, n in figures.by_channel) == len(in_period)
    assert sum(n for _, n in figures.by_status) == len(in_period)
    assert [label for label, _ in figures.by_month][:2] == ["jan 2026", "feb 2026"]
    assert sum(n for _, n in figures.by_month) == len(in_period)
    assert len(figures.by_month) == 12
    all_rows = stats.load_rows(company_id=None, start=START, end=END)
    assert len(all_rows) > len(rows)


@pytest.mark.parametrize(
    ("values", "p90"),
    [
        ([], None),
        ([5], 5),
        ([1, 2], 2),
        (list(range(1, 11)), 9),
        (list(range(1, 12)), 10),
        ([3, 1, 2], 3),
    ],
)
def test_nearest_rank_percentile(values, p90):
    assert stats.percentile(values, 90) == p90


def test_empty_period():
    figures = stats.compute([], start=START, end=END)
    assert (figures.total, figures.median_days, figures.p90_days, figures.within_share) == (
        0,
        None,
        None,
        None,
    )
    assert stats.bar_chart("x", figures.by_month) is None


def test_exports_neutralise_formulas_and_hold_no_personal_data(client, login, member):
    _generate(member.company_id, 30, 7)
    login(client, member)
    csv_response = client.get(
        "/mijn-profiel/klachten/statistieken/export.csv?van=2025-01-01&tot=2027-12-31"
    )
    assert csv_response.status_code == 200
    text = csv_response.data.decode("utf-8")
    assert text.startswith("\ufeffKlachtnummer;Ontvangen op;Wijze van melding;")
    assert len(text.strip().splitlines()) == 31
    assert "'=HYPERLINK" in text and ";=HYPERLINK" not in text
    xlsx = client.get(
        "/mijn-profiel/klachten/statistieken/export.xlsx?van=2025-01-01&tot=2027-12-31"
    )
    sheet = load_workbook(io.BytesIO(xlsx.data), read_only=True).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert not any(c.startswith("=") for c in cells)
    assert client.get("/mijn-profiel/klachten/statistieken/export.pdf").status_code == 404


def test_stats_page_renders_tables_and_chart(client, login, member):
    _generate(member.company_id, 60, 11)
    login(client, member)
    page = client.get("/mijn-profiel/klachten/statistieken?van=2026-01-01&tot=2026-12-31")
    assert page.status_code == 200
    assert "<svg" in page.text and 'class="bar"' in page.text
    assert "mediane doorlooptijd" in page.text
    assert "&#39;=HYPERLINK" not in page.text and "=HYPERLINK(&#34;x&#34;)" in page.text
    odd = client.get("/mijn-profiel/klachten/statistieken?van=nonsense&tot=2026-13-45")
    assert odd.status_code == 200
