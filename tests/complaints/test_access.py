"""Access: only the owning company's users see a complaint; staff see aggregates only."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.auth.models import Role
from portal.complaints import dispatch, services
from portal.complaints.models import (
    Complaint,
    ComplaintEvent,
    ComplaintLetter,
    LetterKind,
    SyncedReview,
)
from portal.core.models import OutboxMessage
from portal.extensions import db
from portal.reviews.models import Provider
from tests.conftest import accept_agreement

ROUTES = [
    ("GET", "/mijn-profiel/klachten/{c}"),
    ("GET", "/mijn-profiel/klachten/{c}/bewerken"),
    ("POST", "/mijn-profiel/klachten/{c}/bewerken"),
    ("POST", "/mijn-profiel/klachten/{c}/stap/acknowledge"),
    ("POST", "/mijn-profiel/klachten/{c}/behandelaar"),
    ("GET", "/mijn-profiel/klachten/{c}/brief/final"),
    ("POST", "/mijn-profiel/klachten/{c}/brief/final/verzenden"),
    ("POST", "/mijn-profiel/klachten/{c}/brief/final/pdf"),
    ("GET", "/mijn-profiel/klachten/brieven/{l}.pdf"),
    ("POST", "/mijn-profiel/klachten/beoordeling/{r}/klacht"),
]
DATA = {"complainant_name": "Overgenomen", "description": "x", "handler": "x"}


@pytest.fixture
def owned(member, make_complaint):
    """A's complaint with a kept letter, and A's review."""
    complaint = make_complaint(member.company)
    letter = dispatch.send_letter(
        complaint, LetterKind.ACKNOWLEDGEMENT, by=member, today=services.now_local_date()
    )
    review = SyncedReview(
        company_id=member.company_id,
        provider=Provider.KIYOH,
        provider_review_id="x1",
        rating=Decimal(2),
        scale_max=Decimal(10),
        reviewed_at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    db.session.add(review)
    db.session.commit()
    return {"c": complaint.public_id, "l": letter.public_id, "r": review.public_id}


def _snapshot() -> tuple:
    return (
        db.session.scalar(select(func.count()).select_from(Complaint)),
        db.session.scalar(select(func.count()).select_from(ComplaintEvent)),
        db.session.scalar(select(func.count()).select_from(ComplaintLetter)),
        db.session.scalar(select(func.count()).select_from(OutboxMessage)),
        db.session.scalar(select(Complaint.status)),
        db.session.scalar(select(Complaint.complainant_name)),
    )


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("actor", ["other_company", "staff", "anonymous"])
def test_other_actors_cannot_reach_a_complaint(
    client, login, make_user, owned, method, path, actor
):
    before = _snapshot()
    if actor == "other_company":
        stranger = make_user()
        accept_agreement(stranger.company, stranger)  # past the agreement gate: 404, not 403
        login(client, stranger)
    elif actor == "staff":
        login(client, make_user(role=Role.STAFF, company=None))
    response = client.open(path.format(**owned), method=method, data=DATA)
    if actor == "anonymous":
        assert response.status_code in (302, 303, 401)
        assert "/inloggen" in response.headers.get("Location", "/inloggen")
    else:
        assert response.status_code == 404
    db.session.expire_all()
    assert _snapshot() == before


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_missing_ids_are_404_like_foreign_ones(client, login, member, owned, method, path):
    login(client, member)
    missing = {"c": "00000000-0000-4000-8000-000000000000", "l": "nope", "r": "nope"}
    assert client.open(path.format(**missing), method=method, data=DATA).status_code == 404


def test_owner_reaches_every_get_route(client, login, member, owned):
    login(client, member)
    for method, path in ROUTES:
        if method == "GET":
            assert client.get(path.format(**owned)).status_code == 200, path


def test_colleague_of_the_same_company_has_access(client, login, colleague, owned):
    login(client, colleague)
    assert client.get(f"/mijn-profiel/klachten/{owned['c']}").status_code == 200


def test_register_list_shows_only_own_company(client, login, member, make_user, make_complaint):
    other = make_user()
    make_complaint(other.company, complainant_name="Vreemde Klager")
    make_complaint(member.company, complainant_name="Eigen Klager")
    login(client, member)
    page = client.get("/mijn-profiel/klachten/?q=klager")
    assert "Eigen Klager" in page.text and "Vreemde Klager" not in page.text
    stats = client.get(
        "/mijn-profiel/klachten/statistieken/export.csv?van=2026-01-01&tot=2026-12-31"
    )
    assert stats.data.decode("utf-8-sig").count("K-2026-0001") == 1


def test_staff_see_aggregates_without_personal_data(
    client, login, make_user, member, make_complaint
):
    make_complaint(member.company, complainant_name="Geheime Naam", category="Schade")
    make_complaint(make_user().company, complainant_name="Andere Naam")
    staff = make_user(role=Role.STAFF, company=None)
    login(client, staff)
    page = client.get("/beheer/klachten/?van=2026-01-01&tot=2026-12-31")
    assert page.status_code == 200
    assert "2 leden met klachten" in page.text
    assert "Schade" in page.text
    for secret in ("Geheime Naam", "Andere Naam", "karin@klant.example", "Lekkage", "K-2026-0001"):
        assert secret not in page.text
    login(client, member)
    assert client.get("/beheer/klachten/").status_code == 404
