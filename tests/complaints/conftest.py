"""Complaint fixtures: a member with a company, a colleague, and a complaint factory."""

from __future__ import annotations

from datetime import date

import pytest

from portal.auth.models import CompanyRole
from portal.complaints import services
from portal.complaints.models import Channel
from portal.extensions import db
from tests.conftest import accept_agreement


@pytest.fixture
def member(make_user):
    """A beheerder of a fresh company that accepted the processor agreement (issue 15)."""
    user = make_user(name="Bea Beheerder")
    accept_agreement(user.company, user)
    return user


@pytest.fixture
def colleague(make_user, member):
    """A medewerker of the same company."""
    return make_user(
        name="Mo Medewerker", company=member.company, company_role=CompanyRole.MEDEWERKER
    )


@pytest.fixture
def make_complaint(app):
    """`make_complaint(company, **values)` registers a complaint (committed)."""

    def make(
        company, *, received_on: date = date(2026, 3, 2), channel=Channel.PHONE, by=None, **values
    ):
        base = {
            "complainant_name": "Karin Klager",
            "complainant_street": "Lindelaan 4",
            "complainant_postcode": "3511 AB",
            "complainant_city": "Utrecht",
            "complainant_email": "karin@klant.example",
            "subject": "Cv-ketel",
            "description": "De ketel lekt na onderhoud.",
        }
        base.update(values)
        category = base.pop("category", None)
        complaint = services.create_complaint(
            company, base, by=by, channel=channel, received_on=received_on, category=category
        )
        db.session.commit()
        return complaint

    return make
