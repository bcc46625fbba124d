"""The public complaint form: record + acknowledgement, honeypot, rate limit, CSRF, listing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.complaints.models import Complaint, ComplaintStatus
from portal.core.models import OutboxMessage
from portal.extensions import db
from portal.members.models import MembershipStatus

FORM = {
    "complainant_name": "Peter Publiek",
    "complainant_email": "peter@consument.example",
    "complainant_phone": "06 12345678",
    "complainant_street": "Markt 1",
    "complainant_postcode": "1234 AB",
    "complainant_city": "Amersfoort",
    "subject": "Warmtepomp maakt lawaai",
    "description": "Sinds de installatie bromt de buitenunit 's nachts.",
}


def _url(company) -> str:
    return f"/ledenzoeker/{company.slug}/klacht"


def test_submission_creates_record_and_acknowledgement(client, member):
    company = member.company
    page = client.get(_url(company))
    assert page.status_code == 200
    assert 'class="hp-field" aria-hidden="true"' in page.text
    response = client.post(_url(company), data=FORM)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/ledenzoeker/{company.slug}/klacht/verzonden"
    complaint = db.session.scalars(select(Complaint)).one()
    assert complaint.company_id == company.id
    assert complaint.channel.value == "web_form"
    assert complaint.status is ComplaintStatus.RECEIVED
    assert complaint.complainant_name == "Peter Publiek"
    assert [e.kind for e in complaint.events] == ["created", "auto_receipt"]
    mails = {m.kind: m for m in db.session.scalars(select(OutboxMessage))}
    assert set(mails) == {"complaints/acknowledgement", "complaints/new"}
    ack = mails["complaints/acknowledgement"]
    assert ack.to_address == "peter@consument.example"
    assert complaint.reference in ack.body and "Beste Peter Publiek," in ack.body
    notice = mails["complaints/new"]
    assert notice.to_address == member.email
    assert "Peter" not in notice.body and "peter@" not in notice.body  # reference only
    thanks = client.get(response.headers["Location"])
    assert thanks.status_code == 200 and "Peter" not in thanks.text


def test_honeypot_stores_and_sends_nothing(client, member):
    response = client.post(_url(member.company), data=FORM | {"website": "http://spam.example"})
    assert response.status_code == 303  # looks like success to the bot
    assert db.session.scalars(select(Complaint)).first() is None
    assert db.session.scalars(select(OutboxMessage)).first() is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("complainant_email", ""),  # no anonymous complaints
        ("complainant_name", ""),
        ("description", ""),
        ("complainant_postcode", "ABCD"),
        ("description", "x" * 5001),
        ("complainant_name", "Peter\u202ePubliek"),
    ],
)
def test_invalid_input_is_422_without_record(client, member, field, value):
    data = FORM | {field: value}
    if not value:
        data.pop(field)
    response = client.post(_url(member.company), data=data)
    assert response.status_code == 422
    assert db.session.scalars(select(Complaint)).first() is None


def test_hostile_text_is_stored_literally_and_escaped(client, login, member):
    hostile = "<script>alert(1)</script> {{7*7}} {klant_naam}"
    assert (
        client.post(_url(member.company), data=FORM | {"description": hostile}).status_code == 303
    )
    complaint = db.session.scalars(select(Complaint)).one()
    assert complaint.description == hostile
    login(client, member)
    page = client.get(f"/mijn-profiel/klachten/{complaint.public_id}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{7*7}} {klant_naam}" in page.text


def test_unlisted_or_unknown_company_is_404(client, make_company):
    ended = make_company(membership_status=MembershipStatus.ENDED)
    hidden = make_company(directory_opt_out=True)
    for slug in (ended.slug, hidden.slug, "bestaat-niet"):
        assert client.get(f"/ledenzoeker/{slug}/klacht").status_code == 404
        assert client.post(f"/ledenzoeker/{slug}/klacht", data=FORM).status_code == 404


class TestRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True}

    def test_sixth_submission_in_an_hour_is_refused(self, client, member):
        statuses = [client.post(_url(member.company), data=FORM).status_code for _ in range(6)]
        assert statuses == [303, 303, 303, 303, 303, 429]
        assert db.session.query(Complaint).count() == 5
        assert client.get(_url(member.company)).status_code == 200  # reading stays possible
        other_ip = client.post(
            _url(member.company), data=FORM, environ_base={"REMOTE_ADDR": "10.0.0.9"}
        )
        assert other_ip.status_code == 303


class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_post_without_token_is_refused(self, client, member):
        assert client.post(_url(member.company), data=FORM).status_code == 400
        assert db.session.scalars(select(Complaint)).first() is None

    def test_post_with_token_is_accepted(self, client, member):
        page = client.get(_url(member.company))
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
        response = client.post(_url(member.company), data=FORM | {"csrf_token": token})
        assert response.status_code == 303
        assert db.session.query(Complaint).count() == 1


def test_the_form_informs_instead_of_asking_consent(client, member):
    """Another legal basis than consent applies, so no consent box (issue 15)."""
    page = client.get(_url(member.company)).text
    assert 'name="consent"' not in page and "akkoord" not in page.lower()
    assert "geen toestemming nodig" in page
    assert "/privacy" in page and "behandeling van uw klacht" in page
