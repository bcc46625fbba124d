"""Fixtures for the criterium-2 console: review systems in any state, staff and admin users."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from portal.core.db import utcnow
from portal.extensions import db
from portal.reviews.models import Provider, ReviewSystem, SystemStatus


@pytest.fixture
def make_system(app):
    """Attach a current review system to a company; keyword arguments override the defaults."""

    def make(company, provider=Provider.KLANTENVERTELLEN, status=SystemStatus.ACTIVE, **kw):
        now = utcnow()
        values = {
            "company_id": company.id,
            "provider": provider,
            "status": status,
            "is_current": True,
            "created_at": now - timedelta(days=400),
        }
        if status in (SystemStatus.ACTIVE, SystemStatus.APPROVED):
            values.update(
                score=Decimal("8.50"),
                scale_max=Decimal("10"),
                review_count=12,
                fetched_at=now,
                last_success_at=now,
                last_outcome="ok",
            )
        if provider is Provider.OTHER:
            values.update(
                other_name="WerkSpot",
                other_url="https://www.werkspot.example/bedrijf",
                other_description="Klanten beoordelen ons na elke klus.",
                requested_at=now - timedelta(days=3),
            )
        values.update(kw)
        system = ReviewSystem(**values)
        db.session.add(system)
        db.session.commit()
        return system

    return make


@pytest.fixture
def staff(make_user):
    return make_user(role="staff", name="Sanne Staf")


@pytest.fixture
def admin(make_user):
    return make_user(role="admin", name="Anton Admin")


@pytest.fixture
def staff_client(client, staff, login):
    login(client, staff)
    return client
