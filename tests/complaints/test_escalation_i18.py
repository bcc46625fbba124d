"""Escalation to a superior (issue 18, seed 003): the coordinator or a named colleague gets a
notice without complainant data; the reason is in the history."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.complaints import services
from portal.complaints.models import ComplaintEvent
from portal.core.models import OutboxMessage
from portal.extensions import db


def test_escalate_to_the_coordinator(client, login, member, colleague, make_complaint):
    policy = services.policy_for(member.company)
    policy.coordinator_id = colleague.id
    db.session.add(policy)
    db.session.commit()
    complaint = make_complaint(member.company)
    login(client, member)
    base = f"/mijn-profiel/klachten/{complaint.public_id}"
    page = client.get(base).text
    assert "Mo Medewerker (klachtencoördinator)" in page
    assert f'value="{member.public_id}"' not in page.split('id="superior"')[1].split("</select>")[0]
    empty = client.post(f"{base}/voorleggen", data={"superior": colleague.public_id, "reason": ""})
    assert empty.status_code == 422 and "Dit veld is verplicht." in empty.text
    stranger = client.post(f"{base}/voorleggen", data={"superior": "onbekend", "reason": "x"})
    assert stranger.status_code == 422
    done = client.post(
        f"{base}/voorleggen",
        data={"superior": colleague.public_id, "reason": "Klant dreigt met de krant (Karin)"},
    )
    assert done.status_code == 303
    event = db.session.scalars(
        select(ComplaintEvent).where(ComplaintEvent.kind == "escalated")
    ).one()
    assert event.note == "Mo Medewerker: Klant dreigt met de krant (Karin)"
    [mail] = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "complaints/escalated")
    ).all()
    assert mail.to_address == colleague.email
    assert "Karin" not in mail.body and "krant" not in mail.body
    page = client.get(base).text
    assert "voorgelegd aan Mo Medewerker" in page and "Laatst voorgelegd op" in page


def test_cannot_escalate_a_closed_complaint_or_to_oneself(
    client, login, member, colleague, make_complaint
):
    from portal.complaints import escalation
    from portal.complaints.services import ComplaintError

    complaint = make_complaint(member.company)
    with pytest.raises(ComplaintError, match="iemand anders"):
        escalation.escalate(complaint, member, "x", by=member)
    login(client, colleague)
    own = client.post(
        f"/mijn-profiel/klachten/{complaint.public_id}/voorleggen",
        data={"superior": colleague.public_id, "reason": "x"},
    )
    assert own.status_code == 422  # not among the choices


def _escalations(kind: str = "complaints/escalated") -> tuple[int, int]:
    events = db.session.scalars(select(ComplaintEvent).where(ComplaintEvent.kind == "escalated"))
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind))
    return len(events.all()), len(mails.all())


def test_repeat_to_the_same_superior_within_ten_minutes_sends_nothing(
    client, login, member, colleague, make_user, make_complaint, monkeypatch
):
    """Regression: every submit mailed the superior again, without end."""
    from datetime import timedelta

    from portal.complaints import escalation
    from portal.core.db import utcnow

    other = make_user(name="Ootje Overste", company=member.company)
    complaint = make_complaint(member.company)
    login(client, member)
    url = f"/mijn-profiel/klachten/{complaint.public_id}/voorleggen"

    def put(who):
        return client.post(url, data={"superior": who.public_id, "reason": "Loopt uit"})

    assert put(colleague).status_code == 303
    again = put(colleague)
    assert again.status_code == 303
    assert _escalations() == (1, 1)
    page = client.get(again.headers["Location"]).text
    assert "De klacht was al aan Mo Medewerker voorgelegd." in page
    assert put(other).status_code == 303  # another superior is a new step
    assert _escalations() == (2, 2)
    later = utcnow() + timedelta(minutes=11)
    monkeypatch.setattr(escalation, "utcnow", lambda: later)
    assert put(colleague).status_code == 303  # after the window: a real reminder again
    assert _escalations() == (3, 3)


class TestEscalationRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True}

    def test_a_user_can_escalate_at_most_twenty_times_an_hour(
        self, client, login, member, colleague, make_complaint
    ):
        complaints = [make_complaint(member.company) for _ in range(21)]
        login(client, member)
        statuses = [
            client.post(
                f"/mijn-profiel/klachten/{c.public_id}/voorleggen",
                data={"superior": colleague.public_id, "reason": "Loopt uit"},
            ).status_code
            for c in complaints
        ]
        assert statuses == [303] * 20 + [429]
        assert _escalations() == (20, 20)


def test_escalation_never_offers_oneself_as_coordinator(member, colleague, make_complaint):
    """Regression: outside a request `boss in others` matched any colleague (both tokens None)."""
    from portal.complaints import escalation

    policy = services.policy_for(member.company)
    policy.coordinator_id = member.id
    db.session.add(policy)
    db.session.commit()
    complaint = make_complaint(member.company)
    choices = escalation.superiors(complaint, [member, colleague], me=member)
    assert choices == [(colleague.public_id, colleague.name)]
