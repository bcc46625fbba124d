"""The overview: counts, filters in the URL, sorting, pagination, htmx fragments, deadlines."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal.compliance import services
from portal.compliance.models import DeadlineExtension
from portal.core.db import utcnow
from portal.core.models import AuditEvent
from portal.extensions import db
from portal.reviews.models import Provider, SystemStatus

OLD = date(2020, 1, 1)
HX = {"HX-Request": "true", "HX-Target": "compliance-results"}


def seed(make_company, make_system):
    ok = make_company(trade_name="Aa Klimaat", member_since=OLD, postcode="9711 AB")
    make_system(ok)
    review = make_company(trade_name="Bb Sanitair", member_since=OLD)
    make_system(review, Provider.OTHER, SystemStatus.IN_REVIEW)
    failing = make_company(trade_name="Cc Dakwerk", member_since=OLD)
    fresh = make_company(trade_name="Dd Nieuw", member_since=utcnow().date())
    few = make_company(trade_name="Ee Weinig", member_since=OLD)
    make_system(few, Provider.KIYOH, review_count=2)
    make_company(trade_name="Ff Gestopt", membership_status="ended")
    return ok, review, failing, fresh, few


def names(text: str, candidates=("Aa", "Bb", "Cc", "Dd", "Ee", "Ff")) -> list[str]:
    positions = sorted((text.find(f"{c} "), c) for c in candidates if f"{c} " in text)
    return [c for _, c in positions]


def test_counts_and_status_filter(staff_client, make_company, make_system):
    seed(make_company, make_system)
    page = staff_client.get("/beheer/criterium-2/")
    assert page.status_code == 200
    assert "5 leden gevonden (van 5 actieve leden)" in page.text  # the ended member is left out
    counts = services.count_by_status(services.overview_rows(utcnow()))
    assert {k.value: v for k, v in counts.items()} == {
        "voldoet": 2,
        "in_behandeling": 2,
        "voldoet_niet": 1,
    }
    failing = staff_client.get("/beheer/criterium-2/?status=voldoet_niet")
    assert names(failing.text) == ["Cc"]
    # Counts stay those of the other filters, so the other statuses remain one click away.
    assert failing.text.count('class="c2-count-n">2<') == 2


def test_filters_signal_kind_province_minimum_and_search(staff_client, make_company, make_system):
    seed(make_company, make_system)
    assert names(staff_client.get("/beheer/criterium-2/?signaal=geen_systeem").text) == ["Cc", "Dd"]
    assert names(staff_client.get("/beheer/criterium-2/?systeem=kiyoh").text) == ["Ee"]
    assert names(staff_client.get("/beheer/criterium-2/?provincie=Groningen").text) == ["Aa"]
    assert names(staff_client.get("/beheer/criterium-2/?minimum=onder").text) == ["Ee"]
    assert names(staff_client.get("/beheer/criterium-2/?q=sanit").text) == ["Bb"]
    # Unknown values are ignored, never an error.
    assert staff_client.get("/beheer/criterium-2/?status=<x>&sort=drop&page=abc").status_code == 200


def test_sorting_both_directions(staff_client, make_company, make_system):
    seed(make_company, make_system)
    up = staff_client.get("/beheer/criterium-2/?sort=status")
    assert names(up.text) == ["Cc", "Bb", "Dd", "Aa", "Ee"]
    down = staff_client.get("/beheer/criterium-2/?sort=naam&richting=af")
    assert names(down.text) == ["Ee", "Dd", "Cc", "Bb", "Aa"]
    assert 'aria-sort="descending"' in down.text


def test_pagination_keeps_filters(staff_client, make_company):
    for n in range(55):
        make_company(trade_name=f"Bedrijf {n:02d}", member_since=OLD)
    first = staff_client.get("/beheer/criterium-2/?status=voldoet_niet")
    assert "/beheer/criterium-2/?status=voldoet_niet&amp;page=2" in first.text
    second = staff_client.get("/beheer/criterium-2/?status=voldoet_niet&page=2")
    assert second.text.count('name="leden"') == 5


def test_htmx_gets_only_the_results_fragment(staff_client, make_company, make_system):
    seed(make_company, make_system)
    page = staff_client.get("/beheer/criterium-2/?q=Aa")
    fragment = staff_client.get("/beheer/criterium-2/?q=Aa", headers=HX)
    assert "<html" in page.text and "<html" not in fragment.text
    assert 'id="compliance-results"' in fragment.text and "Aa Klimaat" in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]


def test_deadline_extension_with_reason(staff_client, make_company, staff):
    company = make_company(trade_name="Cc Dakwerk", member_since=OLD)
    url = f"/beheer/criterium-2/leden/{company.public_id}/termijn"
    new = (utcnow().date() + timedelta(days=30)).isoformat()
    assert staff_client.post(url, data={"deadline": new, "reason": ""}).status_code == 422
    assert staff_client.post(url, data={"deadline": "morgen", "reason": "x"}).status_code == 422
    done = staff_client.post(url, data={"deadline": new, "reason": "Overstap na contracteinde."})
    assert done.status_code == 303
    ext = db.session.scalars(select(DeadlineExtension)).one()
    assert (ext.deadline.isoformat(), ext.reason, ext.created_by_id) == (
        new,
        "Overstap na contracteinde.",
        staff.id,
    )
    row = services.overview_rows(utcnow(), company_ids=[company.id])[0]
    assert row.status.value == "in_behandeling" and row.deadline.isoformat() == new
    event = db.session.scalars(select(AuditEvent)).one()
    assert event.action == "compliance.deadline_set" and event.on_behalf_of_company_id == company.id
    page = staff_client.get(f"/beheer/criterium-2/leden/{company.public_id}")
    assert "Overstap na contracteinde." in page.text


def test_htmx_deadline_form_success_uses_hx_redirect(staff_client, make_company):
    company = make_company(member_since=OLD)
    response = staff_client.post(
        f"/beheer/criterium-2/leden/{company.public_id}/termijn",
        data={"deadline": "2030-01-01", "reason": "Ziekte"},
        headers={"HX-Request": "true", "HX-Target": "compliance-deadline-form"},
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/beheer/criterium-2/leden/{company.public_id}"
