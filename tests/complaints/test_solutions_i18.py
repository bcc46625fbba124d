"""Solutions offered with the customer's choice, and standard compensations (issue 18, seed 001)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.complaints import services, solutions
from portal.complaints.models_extra import ComplaintSolution
from portal.extensions import db


@pytest.fixture
def logged_in(client, login, member):
    login(client, member)
    return client


def _settings(member, **values):
    base = {
        "ack_working_days": "2",
        "handling_days": "14",
        "extension_days": "14",
        "reminder_working_days": "1",
        "negative_review_below": "6,0",
        "escalate_after_days": "5",
        "categories": "Schade\nOverig",
    }
    policy = services.policy_for(member.company)
    if policy.id is not None:
        base["version"] = str(policy.version)
    return base | values


def test_compensation_list_is_saved_and_checked(logged_in, member):
    bad = logged_in.post(
        "/mijn-profiel/klachten/instellingen", data=_settings(member, compensations="Bon; veel")
    )
    assert bad.status_code == 422
    assert "Regel 1: het bedrag is geen geldig bedrag in euro." in bad.text
    good = logged_in.post(
        "/mijn-profiel/klachten/instellingen",
        data=_settings(
            member, compensations="Tegoedbon; 50,00\nGratis onderhoudsbeurt; 95\nExcuses"
        ),
    )
    assert good.status_code == 303
    listed = solutions.compensations_of(services.policy_for(member.company))
    assert listed == [
        solutions.Compensation("Tegoedbon", Decimal("50.00")),
        solutions.Compensation("Gratis onderhoudsbeurt", Decimal("95")),
        solutions.Compensation("Excuses", None),
    ]
    assert "Tegoedbon; 50,00" in logged_in.get("/mijn-profiel/klachten/instellingen").text


def test_options_and_the_customers_choice_go_into_the_costs(logged_in, member, make_complaint):
    logged_in.post(
        "/mijn-profiel/klachten/instellingen",
        data=_settings(member, compensations="Tegoedbon; 50,00\nGratis onderhoudsbeurt; 95"),
    )
    complaint = make_complaint(member.company)
    complaint.costs = Decimal("120.00")  # the repair
    db.session.commit()
    base = f"/mijn-profiel/klachten/{complaint.public_id}"
    page = logged_in.get(base).text
    assert "Tegoedbon (€ 50,00)" in page
    empty = logged_in.post(f"{base}/oplossingen", data={"solution_text": "", "compensation": ""})
    assert empty.status_code == 422
    assert "Beschrijf de oplossing of kies een standaardvergoeding." in empty.text
    unknown = logged_in.post(f"{base}/oplossingen", data={"compensation": "Een auto"})
    assert unknown.status_code == 422
    for data in (
        {"solution_text": "Ketel vervangen", "compensation": "Tegoedbon"},
        {"solution_text": "Ketel repareren", "compensation": "Gratis onderhoudsbeurt"},
    ):
        assert logged_in.post(f"{base}/oplossingen", data=data).status_code == 303
    first, second = db.session.scalars(select(ComplaintSolution).order_by(ComplaintSolution.id))
    assert first.amount == Decimal("50.00")
    assert (
        logged_in.post(f"/mijn-profiel/klachten/oplossingen/{first.public_id}/kiezen").status_code
        == 303
    )
    db.session.refresh(complaint)
    assert complaint.costs == Decimal("170.00")
    assert complaint.resolution == "Ketel vervangen – Tegoedbon (€ 50,00)"
    # The customer changes their mind: the old amount comes off, the new one goes on.
    logged_in.post(f"/mijn-profiel/klachten/oplossingen/{second.public_id}/kiezen")
    logged_in.post(f"/mijn-profiel/klachten/oplossingen/{second.public_id}/kiezen")  # a repeat
    db.session.refresh(complaint)
    db.session.refresh(first)
    assert complaint.costs == Decimal("215.00")
    assert first.chosen_at is None and second.chosen_at is not None
    page = logged_in.get(base).text
    assert "Gekozen:" in page and "klant koos: Ketel repareren" in page


def test_other_company_cannot_choose(client, login, make_user, member, make_complaint):
    from tests.conftest import accept_agreement

    complaint = make_complaint(member.company)
    option = solutions.add_option(complaint, "Ketel vervangen", None, by=member)
    db.session.commit()
    stranger = make_user()
    accept_agreement(stranger.company, stranger)
    login(client, stranger)
    assert (
        client.post(f"/mijn-profiel/klachten/oplossingen/{option.public_id}/kiezen").status_code
        == 404
    )
    assert (
        client.post(
            f"/mijn-profiel/klachten/{complaint.public_id}/oplossingen", data={"solution_text": "x"}
        ).status_code
        == 404
    )
    db.session.refresh(option)
    assert option.chosen_at is None


def test_complaint_page_has_unique_ids(logged_in, member, colleague, make_complaint):
    """The later sections' forms share the page with the log and workflow forms."""
    import re
    from collections import Counter

    complaint = make_complaint(member.company)
    html = logged_in.get(f"/mijn-profiel/klachten/{complaint.public_id}").text
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [name for name, n in ids.items() if n > 1] == []
