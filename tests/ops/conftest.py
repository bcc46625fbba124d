"""Fixtures shared by the ops tests."""

from __future__ import annotations

import pytest

from portal.core.models import OutboxMessage
from portal.extensions import db
from portal.reviews import credentials
from portal.reviews.models import Provider, ReviewSystem, SystemStatus


@pytest.fixture
def populated(app, make_user, make_company):
    """A few members, a linked provider with an encrypted token, a queued mail."""
    owner = make_user()
    for _ in range(3):
        make_company()
    system = ReviewSystem(company_id=owner.company_id, provider=Provider.KIYOH,
                          status=SystemStatus.ACTIVE, location_id="4711")  # fmt: skip
    db.session.add(system)
    db.session.flush()
    credentials.store_credentials(system, {"token": "api-token-0123456789"})
    db.session.add(OutboxMessage(kind="test", to_address=owner.email, subject="Test", body="Hallo"))
    db.session.commit()
    return app
