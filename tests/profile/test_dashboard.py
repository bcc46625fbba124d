"""Mijn profiel overview as a to-do list: order, progress to a public score, no contradictions."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from portal.agreements import services as agreements
from portal.complaints.models import Channel, Complaint, ComplaintStatus
from portal.core.db import utcnow
from portal.core.templating import AMSTERDAM
from portal.extensions import db
from portal.members import services as member_services
from portal.providers.errors import AUTH_ERROR
from portal.reviews.models import Provider, ReviewSystem, SystemStatus


def todo_keys(html: str) -> list[str]:
    return re.findall(r'data-todo="([a-z]+)"', html)


def todo_block(html: str, key: str) -> str:
    match = re.search(
        rf'<li class="todo [^"]*" data-todo="{key}">(.*?)</li>\s*(?=<li class="todo|</ol>)',
        html,
        re.S,
    )
    assert match, f"no to-do {key}"
    return match.group(1)


def add_system(company, *, count: int, status=SystemStatus.ACTIVE, **extra) -> ReviewSystem:
    now = utcnow()
    system = ReviewSystem(
        company_id=company.id,
        status=status,
        score=Decimal("8.40"),
        scale_max=Decimal("10"),
        review_count=count,
        fetched_at=now - timedelta(hours=3),
        last_success_at=now - timedelta(hours=3),
        last_attempt_at=now - timedelta(hours=3),
        **{"last_outcome": "ok", "provider": Provider.KLANTENVERTELLEN, **extra},
    )
    db.session.add(system)
    db.session.commit()
    member_services.refresh_directory(company)
    db.session.commit()
    return system


@pytest.fixture
def member(make_user, client, login):
    user = make_user()
    login(client, user)
    return user


def test_below_minimum_shows_progress_and_invite_button(client, member):
    add_system(member.company, count=3)
    html = client.get("/mijn-profiel/").text
    block = todo_block(html, "criterion")
    assert "Nog 2 beoordelingen tot uw score zichtbaar is" in block
    assert '<progress max="5" value="3"' in block
    assert '<a class="button" href="/mijn-profiel/uitnodigen/">Klanten uitnodigen</a>' in block


def test_one_missing_review_is_singular(client, member):
    add_system(member.company, count=4)
    assert "Nog 1 beoordeling tot uw score zichtbaar is" in client.get("/mijn-profiel/").text


def test_public_score_is_done(client, member):
    add_system(member.company, count=12)
    block = todo_block(client.get("/mijn-profiel/").text, "criterion")
    assert "Uw score staat in de ledenzoeker" in block
    assert "8,4 / 10" in block


def test_after_opt_out_nothing_says_the_score_is_public(client, member):
    add_system(member.company, count=12)
    member_services.set_opt_out(member.company, True, by=member)
    db.session.commit()
    html = client.get("/mijn-profiel/").text
    assert "Uw score staat in de ledenzoeker" not in html
    assert "Uw bedrijf staat niet in de ledenzoeker" in todo_block(html, "criterion")
    assert "Uw bedrijf staat nu niet in de ledenzoeker" in html  # the preview says the same
    assert "Vermelding aanzetten" in html


def test_no_system_is_the_first_and_red_item(client, member):
    html = client.get("/mijn-profiel/").text
    assert todo_keys(html)[0] == "criterion"
    assert 'class="todo todo-bad" data-todo="criterion"' in html
    assert "Kies een klantbeoordelingssysteem" in html


def test_order_agreement_complaints_sync_profile(client, member):
    company = member.company
    add_system(company, count=2, last_outcome=AUTH_ERROR)
    system = db.session.query(ReviewSystem).filter_by(company_id=company.id).one()
    system.last_attempt_at = utcnow()
    agreements.publish_default()
    today = utcnow().astimezone(AMSTERDAM).date()
    for ref, due, status in (
        ("K-1", today + timedelta(days=3), ComplaintStatus.ACKNOWLEDGED),
        ("K-2", today - timedelta(days=2), ComplaintStatus.IN_PROGRESS),
        ("K-3", today + timedelta(days=30), ComplaintStatus.ACKNOWLEDGED),  # not yet
        ("K-4", today + timedelta(days=1), ComplaintStatus.CLOSED),  # closed
    ):
        db.session.add(
            Complaint(
                company_id=company.id, reference=ref, complainant_name="A. Klant",
                received_on=today - timedelta(days=20), channel=Channel.EMAIL, status=status,
                ack_due_on=today - timedelta(days=15), due_on=due, acknowledged_at=utcnow(),
                subject=f"Onderwerp {ref}",
            )
        )  # fmt: skip
    db.session.commit()
    html = client.get("/mijn-profiel/").text
    assert todo_keys(html) == ["criterion", "agreement", "complaints", "sync", "profile"]
    complaints = todo_block(html, "complaints")
    assert "2 klachten met een termijn binnen 7 dagen" in complaints
    assert complaints.index("K-2") < complaints.index("K-1")  # the late one first
    assert "termijn verlopen op" in complaints
    assert "K-3" not in complaints and "K-4" not in complaints
    assert "Verwerkersovereenkomst nog niet geaccepteerd" in todo_block(html, "agreement")
    assert "omschrijving" in todo_block(html, "profile")


def test_unacknowledged_complaint_counts_with_its_acknowledgement_deadline(client, member):
    company = member.company
    add_system(company, count=12)
    today = utcnow().astimezone(AMSTERDAM).date()
    db.session.add(
        Complaint(
            company_id=company.id, reference="K-9", complainant_name="B. Klant",
            received_on=today, channel=Channel.PHONE, ack_due_on=today + timedelta(days=2),
            due_on=today + timedelta(days=40),
        )
    )  # fmt: skip
    db.session.commit()
    block = todo_block(client.get("/mijn-profiel/").text, "complaints")
    assert "1 klacht met een termijn binnen 7 dagen" in block and "K-9" in block


def test_complete_profile_has_no_profile_item(client, member):
    company = member.company
    add_system(company, count=12)
    company.description = "Warmtepompen en cv-ketels"
    company.website = "https://example.nl"
    company.opening_hours = "ma-vr 8-17"
    company.logo_mime = "image/png"
    from portal.members.models import Specialism

    company.specialisms = [Specialism(slug="cv", name="Cv-ketels")]
    db.session.commit()
    html = client.get("/mijn-profiel/").text
    assert "profile" not in todo_keys(html)
    assert "Alles is op orde." in html


def add_pending(
    company, *, provider=Provider.KLANTENVERTELLEN, status=SystemStatus.REQUESTED, **kw
):
    system = ReviewSystem(
        company_id=company.id, provider=provider, status=status, is_current=False, pending=True,
        included=provider == Provider.KLANTENVERTELLEN, requested_at=utcnow(), **kw,
    )  # fmt: skip
    db.session.add(system)
    db.session.commit()
    return system


def test_pending_switch_is_a_to_do_that_keeps_the_public_score(client, member):
    add_system(member.company, count=12, provider=Provider.KIYOH)
    add_pending(member.company)
    html = client.get("/mijn-profiel/").text
    assert todo_keys(html)[:2] == ["criterion", "switch"]
    assert "Uw score staat in de ledenzoeker" in todo_block(html, "criterion")
    block = todo_block(html, "switch")
    assert "Overstap naar Klantenvertellen aangevraagd" in block
    assert "blijft Kiyoh uw systeem en blijft uw score zichtbaar in de ledenzoeker" in block
    assert 'href="/mijn-profiel/beoordelingen/#pending-title"' in block
    assert 'class="todo todo-info" data-todo="switch"' in html
    assert "Alles is op orde" not in html


def test_pending_switch_after_opt_out_does_not_call_the_score_public(client, member):
    add_system(member.company, count=12, provider=Provider.KIYOH)
    add_pending(member.company, provider=Provider.OTHER, status=SystemStatus.MORE_INFO,
                other_name="WerkSpot", decision_reason="Stuur een schermafdruk.")  # fmt: skip
    member_services.set_opt_out(member.company, True, by=member)
    db.session.commit()
    html = client.get("/mijn-profiel/").text
    assert "zichtbaar in de ledenzoeker" not in html
    block = todo_block(html, "switch")
    assert "Ledenservice vraagt meer informatie over WerkSpot" in block
    assert "Stuur een schermafdruk." in block and "blijft Kiyoh uw systeem." in block
    assert 'class="todo todo-warn" data-todo="switch"' in html


def test_pending_request_without_a_working_system_is_not_also_choose_a_system(client, member):
    add_system(member.company, count=0, status=SystemStatus.REJECTED, provider=Provider.OTHER,
               other_name="Oud")  # fmt: skip
    add_pending(member.company)
    html = client.get("/mijn-profiel/").text
    assert "Kies een klantbeoordelingssysteem" not in html
    assert todo_keys(html)[0] == "criterion" and "switch" not in todo_keys(html)
    assert "Overstap naar Klantenvertellen aangevraagd" in todo_block(html, "criterion")
