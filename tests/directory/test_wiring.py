"""The ledenzoeker rows follow every change elsewhere: edits, links, decisions, sync, settings."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from portal.auth.models import Role
from portal.compliance import assessment
from portal.core.db import utcnow
from portal.core.settings import update_settings
from portal.directory.entries import refresh_entry
from portal.directory.models import DirectoryEntry
from portal.extensions import db
from portal.members import services as member_services
from portal.reviews import services as review_services
from portal.reviews.models import Provider, ReviewSystem, SystemStatus


def _entry(company) -> DirectoryEntry | None:
    db.session.expire_all()
    return db.session.get(DirectoryEntry, company.id)


def _listed_company(make_company):
    company = make_company(legal_name="Wiring Installatie B.V.", trade_name="")
    refresh_entry(company.id)
    db.session.commit()
    return company


def test_member_edit_and_opt_out_update_the_row(make_company, make_user):
    company = _listed_company(make_company)
    user = make_user(company=company)
    member_services.update_company(company, {"city": "Amersfoort"}, by=user)
    db.session.commit()
    assert _entry(company).city == "Amersfoort"

    member_services.set_opt_out(company, True, by=user)
    db.session.commit()
    assert _entry(company) is None


def test_other_system_decision_and_unlink_update_the_row(make_company, make_user):
    company = _listed_company(make_company)
    member = make_user(company=company)
    staff = make_user(role=Role.STAFF)
    system = review_services.submit_other_system(
        company, name="Eigen systeem", url="https://reviews.example/x", description="d", by=member
    )
    db.session.commit()
    assert _entry(company).provider is None  # in review: not public yet

    assessment.decide(system, decision=assessment.Decision.APPROVE, reason="Voldoet", by=staff)
    db.session.commit()
    assert _entry(company).provider == Provider.OTHER.value

    review_services.end_current_system(company, by=member)
    db.session.commit()
    assert _entry(company).provider is None


def test_staff_publication_minimum_changes_what_is_public(app, make_company, make_user, client):
    company = _listed_company(make_company)
    db.session.add(
        ReviewSystem(
            company=company,
            provider=Provider.KIYOH,
            status=SystemStatus.ACTIVE,
            is_current=True,
            score=Decimal("8.4"),
            scale_max=Decimal("10"),
            review_count=4,
            fetched_at=utcnow() - timedelta(hours=2),
        )
    )
    db.session.flush()
    refresh_entry(company.id)
    db.session.commit()
    entry = _entry(company)

    page = client.get(f"/ledenzoeker/{entry.slug}")
    assert page.status_code == 200
    assert "8,4" not in page.get_data(as_text=True)  # 4 reviews < default minimum 5

    update_settings({"publication_min": 3}, by=make_user(role=Role.ADMIN))
    db.session.commit()
    page = client.get(f"/ledenzoeker/{entry.slug}")
    assert "8,4" in page.get_data(as_text=True)


def test_about_scores_states_the_staff_publication_minimum(app, make_user, client):
    app.config["REVIEW_MIN_COUNT"] = 5
    update_settings({"publication_min": 8}, by=make_user(role=Role.ADMIN))
    db.session.commit()
    text = client.get("/ledenzoeker/over-de-scores").get_data(as_text=True)
    assert "Pas vanaf 8 beoordelingen" in text and "Pas vanaf 5 beoordelingen" not in text
