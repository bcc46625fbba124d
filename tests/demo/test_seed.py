"""`flask demo seed`: deterministic, idempotent, example domains only, refused in production."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from portal.auth.models import Role, User
from portal.auth.passwords import password_problems
from portal.core import crypto
from portal.data.places import load_places
from portal.demo.seed import DEMO_USERS
from portal.extensions import db
from portal.members.models import Company, MembershipStatus, Specialism
from portal.reviews import credentials
from portal.reviews.models import Provider, ReviewSystem, SystemStatus
from tests.conftest import totp_code

SKIP = {"id", "company_id", "created_at", "updated_at", "credentials_enc", "decided_by_id"}


def dump() -> list:
    """All seeded company and review-system data without ids and timestamps."""
    db.session.expire_all()
    companies = db.session.scalars(select(Company).order_by(Company.member_number)).all()
    rows = []
    for company in companies:
        data = {
            c.key: getattr(company, c.key) for c in Company.__table__.columns if c.key not in SKIP
        }
        data["specialisms"] = [s.slug for s in company.specialisms]
        data["recognitions"] = [r.slug for r in company.recognitions]
        system = db.session.scalars(
            select(ReviewSystem).where(ReviewSystem.company_id == company.id)
        ).first()
        if system is not None:
            data["system"] = {
                c.key: getattr(system, c.key)
                for c in ReviewSystem.__table__.columns
                if c.key not in SKIP and not c.key.endswith("_at")
            }
        rows.append(data)
    return rows


def run(app, *args):
    result = app.test_cli_runner().invoke(args=["demo", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_seed_is_deterministic_and_reset_recreates_identical_data(app):
    out = run(app, "seed", "--companies", "300")
    assert "Seeded 300 companies" in out
    assert "beheerder@example.nl" in out and "demo-beheerder-Kraanwater-2026" in out
    first = dump()
    out = run(app, "seed", "--companies", "300", "--reset")
    assert "Removed 300 demo companies" in out
    second = dump()
    assert len(first) == 300
    assert first == second


def test_second_seed_without_reset_changes_nothing(app):
    run(app, "seed", "--companies", "50")
    before = dump()
    out = run(app, "seed", "--companies", "50")
    first_line, *rest = out.strip().splitlines()
    assert first_line == "50 companies already exist; nothing seeded. Use --reset to start over."
    assert any("beheerder@example.nl" in line for line in rest)  # the logins are shown again
    assert dump() == before
    assert db.session.scalar(select(func.count()).select_from(User)) == len(DEMO_USERS)


def test_seeded_data_is_plausible(app):
    run(app, "seed", "--companies", "300")
    companies = db.session.scalars(select(Company)).all()
    places = {p.name: p for p in load_places()}
    assert len({c.kvk_number for c in companies}) == 300
    assert len({c.member_number for c in companies}) == 300
    for company in companies:
        assert len(company.kvk_number) == 8 and company.kvk_number.isdigit()
        assert company.member_number[0] == "L" and len(company.member_number) == 7
        assert company.email.endswith(("@example.nl", "@example.com"))
        assert company.website == "" or company.website.endswith(".example")
        place = places[company.city]
        assert place.pc4_from <= int(company.postcode[:4]) <= place.pc4_to
        assert (
            abs(company.latitude - place.lat) <= 0.036
            and abs(company.longitude - place.lon) <= 0.056
        )
        if company.membership_status is MembershipStatus.ENDED:
            assert company.membership_ended_on is not None
        else:
            assert company.membership_ended_on is None
    first = db.session.scalars(
        select(Company).where(Company.legal_name == "Installatiebedrijf De Vries B.V.")
    ).one()
    assert first.city == "Utrecht"
    assert db.session.scalar(select(func.count()).select_from(Specialism)) == 15


def test_review_systems_carry_emulator_credentials(app):
    run(app, "seed", "--companies", "300")
    systems = db.session.scalars(select(ReviewSystem)).all()
    kv = [
        s
        for s in systems
        if s.provider is Provider.KLANTENVERTELLEN and s.status is SystemStatus.ACTIVE
    ]
    assert 0.6 < len(kv) / 300 < 0.8
    fixed = next(s for s in kv if s.location_id == "1000001")
    assert (fixed.included, str(fixed.score), fixed.review_count) == (True, "8.90", 42)
    for system in kv:
        assert system.location_id.isdigit() and len(system.location_id) == 7
        assert system.location_id.startswith("1")
    fbc = next(s for s in systems if s.location_id == "fbc-demo-1")
    secret = crypto.decrypt(fbc.credentials_enc, aad=f"review_systems:{fbc.id}:credentials_enc")
    assert json.loads(secret) == {"client_id": "fbc-demo-1", "client_secret": "emu-fbc-demo-1"}
    token = crypto.decrypt(fixed.credentials_enc, aad=f"review_systems:{fixed.id}:credentials_enc")
    assert json.loads(token) == {"token": "emu-1000001"}
    assert fixed.secret_hint == "0001"
    assert credentials.read_credentials(fixed) == {"token": "emu-1000001"}
    assert all(credentials.read_credentials(s) for s in systems if s.status is SystemStatus.ACTIVE)


@pytest.mark.parametrize("user", DEMO_USERS, ids=[u.email for u in DEMO_USERS])
def test_demo_passwords_pass_the_policy(user):
    staff = user.role is not Role.MEMBER
    assert password_problems(user.password, staff=staff, context=[user.email.split("@")[0]]) == []


def test_totp_command_prints_the_current_code(app):
    run(app, "seed", "--companies", "10")
    staff = next(u for u in DEMO_USERS if u.role is Role.STAFF)
    expected = totp_code(staff.totp_secret)  # the command must read the same 30-second step
    assert run(app, "totp", staff.email).strip() == expected
    result = app.test_cli_runner().invoke(args=["demo", "totp", "beheerder@example.nl"])
    assert result.exit_code == 1
    assert "Only the demo staff and admin logins" in result.output


@pytest.mark.parametrize("args", [("seed", "--companies", "10"), ("totp", "staf@example.nl")])
def test_demo_commands_are_refused_in_production(app, args):
    app.config["PORTAL_ENV"] = "production"
    result = app.test_cli_runner().invoke(args=["demo", *args])
    assert result.exit_code == 1
    assert "Demo commands are disabled in production." in result.output
    assert db.session.scalar(select(func.count()).select_from(Company)) == 0


def test_first_demo_company_accepted_the_agreement_and_the_second_has_not(app):
    from portal.agreements import services as agreements

    run(app, "seed", "--companies", "40")
    beheerders = {
        u.email: u for u in db.session.scalars(select(User).where(User.company_id.is_not(None)))
    }
    first = db.session.get(Company, beheerders["beheerder@example.nl"].company_id)
    second = db.session.get(Company, beheerders["beheerder2@example.nl"].company_id)
    assert agreements.state_for(first).accepted
    assert not agreements.state_for(second).accepted
    run(app, "seed", "--reset", "--companies", "40")
    assert db.session.scalar(select(func.count()).select_from(Company)) == 40
