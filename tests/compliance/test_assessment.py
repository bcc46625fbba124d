"""Assessing another system end to end: member reports it, staff decide, the member sees it;
then a self-reported score with evidence, confirmed by staff."""

from __future__ import annotations

import io
from decimal import Decimal

from PIL import Image
from sqlalchemy import select

from portal.compliance.models import SelfReportedScore, SubmissionStatus
from portal.core.models import AuditEvent, OutboxMessage
from portal.extensions import db
from portal.reviews.models import Provider, ReviewSystem, ScoreSnapshot, SystemStatus


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def current_system(company_id: int) -> ReviewSystem:
    db.session.expire_all()
    return db.session.scalars(
        select(ReviewSystem).where(ReviewSystem.company_id == company_id, ReviewSystem.is_current)
    ).one()


def test_other_system_from_report_to_decision(app, make_user, staff, login):
    member = make_user(name="Piet Lid")
    member_client, staff_client = app.test_client(), app.test_client()
    login(member_client, member)
    login(staff_client, staff)
    reported = member_client.post(
        "/mijn-profiel/beoordelingen/ander-systeem",
        data={
            "name": "WerkSpot",
            "url": "https://www.werkspot.example/piet",
            "description": "Na elke klus vragen wij een beoordeling.",
            "evidence": (io.BytesIO(png_bytes()), "bewijs.png"),
        },
        content_type="multipart/form-data",
    )
    assert reported.status_code == 303
    system = current_system(member.company_id)
    assert system.status is SystemStatus.IN_REVIEW

    queue = staff_client.get("/beheer/criterium-2/beoordelen")
    assert "WerkSpot" in queue.text and system.public_id in queue.text
    page = staff_client.get(f"/beheer/criterium-2/beoordelen/{system.public_id}")
    assert (
        'href="https://www.werkspot.example/piet" rel="noopener noreferrer nofollow"' in page.text
    )
    assert '="None"' not in page.text  # aria attributes are left out, not printed as None
    evidence = staff_client.get(f"/beheer/criterium-2/beoordelen/{system.public_id}/bewijs")
    assert evidence.status_code == 200 and evidence.mimetype == "image/png"
    assert evidence.headers["Content-Disposition"].startswith("attachment;")
    assert evidence.headers["Content-Security-Policy"].startswith("sandbox")

    url = f"/beheer/criterium-2/beoordelen/{system.public_id}"
    no_reason = staff_client.post(url, data={"decision": "afwijzen", "reason": "  "})
    assert no_reason.status_code == 422
    assert '="None"' not in no_reason.text
    assert 'aria-describedby="decision-error"' not in no_reason.text  # the decision was valid
    assert current_system(member.company_id).status is SystemStatus.IN_REVIEW

    ask = staff_client.post(
        url,
        data={"decision": "meer_informatie", "reason": "Stuur een link naar de openbare pagina."},
    )
    assert ask.status_code == 303
    system = current_system(member.company_id)
    assert system.status is SystemStatus.MORE_INFO
    assert system.decided_by_id == staff.id and system.decided_at is not None
    card = member_client.get("/mijn-profiel/beoordelingen/")
    assert "Stuur een link naar de openbare pagina." in card.text
    mail = db.session.scalars(select(OutboxMessage)).one()
    assert mail.to_address == member.email
    assert "Stuur een link naar de openbare pagina." in mail.body

    approve = staff_client.post(
        url, data={"decision": "goedkeuren", "reason": "Openbaar en controleerbaar."}
    )
    assert approve.status_code == 303
    approved = current_system(member.company_id)
    assert (approved.status, approved.self_reported) == (SystemStatus.APPROVED, False)
    card = member_client.get("/mijn-profiel/beoordelingen/").text
    assert "Goedgekeurd" in card and "Openbaar en controleerbaar." in card
    decided_again = staff_client.post(url, data={"decision": "afwijzen", "reason": "Toch niet."})
    assert decided_again.status_code == 422
    assert "al beslist" in decided_again.text

    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_id == staff.id).order_by(AuditEvent.id)
    ).all()
    assert actions == ["review_system.more_info", "review_system.approved"]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "review_system.approved")
    ).one()
    assert event.on_behalf_of_company_id == member.company_id
    assert event.changes["status"] == {"old": "more_info", "new": "approved"}


def test_reject_shows_reason_on_the_card(app, make_user, staff, login, make_system):
    member = make_user()
    system = make_system(member.company, Provider.OTHER, SystemStatus.IN_REVIEW)
    staff_client, member_client = app.test_client(), app.test_client()
    login(staff_client, staff)
    login(member_client, member)
    staff_client.post(
        f"/beheer/criterium-2/beoordelen/{system.public_id}",
        data={"decision": "afwijzen", "reason": "Beoordelingen zijn niet openbaar."},
    )
    card = member_client.get("/mijn-profiel/beoordelingen/")
    assert "Afgewezen" in card.text and "Beoordelingen zijn niet openbaar." in card.text


def test_self_reported_score_confirmed_by_staff(app, make_user, staff, login, make_system):
    member = make_user()
    system = make_system(
        member.company,
        Provider.OTHER,
        SystemStatus.APPROVED,
        score=None,
        scale_max=None,
        review_count=0,
        fetched_at=None,
    )
    member_client, staff_client = app.test_client(), app.test_client()
    login(member_client, member)
    login(staff_client, staff)
    form = {"score": "8,7", "scale_max": "10", "review_count": "23"}
    missing = member_client.post("/mijn-profiel/criterium-2/score", data=form)
    assert missing.status_code == 422 and "Voeg een bewijsstuk toe." in missing.text
    bad_file = member_client.post(
        "/mijn-profiel/criterium-2/score",
        data={**form, "score": "8.7", "evidence": (io.BytesIO(b"<svg/>"), "x.png")},
        content_type="multipart/form-data",
    )
    assert bad_file.status_code == 422
    sent = member_client.post(
        "/mijn-profiel/criterium-2/score",
        data={**form, "evidence": (io.BytesIO(png_bytes()), "score.png")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303
    sub = db.session.scalars(select(SelfReportedScore)).one()
    assert (sub.score, sub.review_count, sub.status) == (
        Decimal("8.70"),
        23,
        SubmissionStatus.PENDING,
    )
    pending = current_system(member.company_id)
    assert (pending.score, pending.self_reported) == (None, False)  # not before staff confirm

    url = f"/beheer/criterium-2/scores/{sub.public_id}"
    assert sub.public_id in staff_client.get("/beheer/criterium-2/beoordelen").text
    assert staff_client.post(url, data={"decision": "afwijzen"}).status_code == 422
    assert staff_client.post(url, data={"decision": "bevestigen"}).status_code == 303
    system = current_system(member.company_id)
    assert (system.score, system.scale_max, system.review_count) == (
        Decimal("8.70"),
        Decimal("10.00"),
        23,
    )
    assert system.self_reported is True and system.fetched_at is not None
    snapshot = db.session.scalars(select(ScoreSnapshot)).one()
    assert (snapshot.review_system_id, snapshot.review_count) == (system.id, 23)
    assert staff_client.post(url, data={"decision": "bevestigen"}).status_code == 422
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["compliance.score_submitted", "compliance.score_confirmed"]


def test_score_form_only_for_an_approved_other_system(app, make_user, login, make_system):
    member = make_user()
    make_system(member.company, Provider.KIYOH)
    client = app.test_client()
    login(client, member)
    page = client.get("/mijn-profiel/criterium-2/score")
    assert page.status_code == 200 and "alleen voor een ander systeem" in page.text
    posted = client.post(
        "/mijn-profiel/criterium-2/score",
        data={"score": "8", "scale_max": "10", "review_count": "5"},
    )
    assert posted.status_code == 422
    assert db.session.scalars(select(SelfReportedScore)).first() is None


def test_queue_is_paginated(app, staff_client, make_company, make_system):
    from datetime import timedelta

    from portal.core.db import utcnow

    start = utcnow() - timedelta(days=60)
    for n in range(27):
        make_system(
            make_company(trade_name=f"Wachtend {n:02d}"),
            Provider.OTHER,
            SystemStatus.IN_REVIEW,
            other_name=f"Systeem {n:02d}",
            requested_at=start + timedelta(hours=n),
        )

    first = staff_client.get("/beheer/criterium-2/beoordelen").text
    assert "Gemelde systemen (27)" in first
    assert "Systeem 00" in first and "Systeem 24" in first and "Systeem 25" not in first
    assert 'href="/beheer/criterium-2/beoordelen?page=2&amp;score_page=1" rel="next"' in first
    second = staff_client.get("/beheer/criterium-2/beoordelen?page=2").text
    assert "Systeem 25" in second and "Systeem 26" in second and "Systeem 24" not in second
    beyond = staff_client.get("/beheer/criterium-2/beoordelen?page=9")
    assert beyond.status_code == 200 and "Er wachten geen gemelde systemen." in beyond.text
