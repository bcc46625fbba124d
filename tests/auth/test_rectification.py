"""Rectification (AVG art. 16): own name and e-mail address under Account (issue 15).

The e-mail change is confirmed by a single-use, expiring link to the NEW address, needs the
current password (or a fresh login without one), tells the old address, never reveals whether
an address has an account, ends the other sessions and is audited and rate limited.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.auth import mfa, rectification
from portal.auth.models import TokenPurpose, User, UserSession, UserToken
from portal.complaints import services as complaints
from portal.core.accesslog import mask
from portal.core.models import AuditEvent, OutboxMessage
from portal.extensions import db
from portal.privacy import erasure
from tests.complaints.conftest import make_complaint  # noqa: F401
from tests.conftest import (
    PASSWORD,
    accept_agreement,
    login_as,
    mailed_link,
    post_token_form,
    totp_code,
)

NEW = "nieuw.adres@elders.example"


def _mails(kind: str) -> list[OutboxMessage]:
    # In the order queued: PostgreSQL returns an updated row wherever it now lies.
    query = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    return list(db.session.scalars(query))


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _confirm_path() -> str:
    (mail,) = _mails("auth.email_confirm")
    return mailed_link(mail, "e-mailadres-bevestigen")


def test_user_corrects_own_name_everywhere_it_is_shown(client, make_user, make_complaint):  # noqa: F811
    user = make_user(name="Jan Jansen")
    accept_agreement(user.company, user)
    complaint = make_complaint(user.company, by=user)
    complaints.add_note(complaint, "note", "Gebeld.", by=user)
    db.session.commit()
    login_as(client, user)
    assert client.post("/account/naam", data={"name": ""}).status_code == 422
    response = client.post("/account/naam", data={"name": "Jan Janssen"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "Jan Janssen"
    assert "Jan Janssen" in client.get("/account").text
    kept = db.session.get(type(complaint), complaint.id)
    assert kept.received_by == "Jan Janssen"
    assert {e.actor_label for e in kept.events} == {"Jan Janssen"}
    assert [n.actor_label for n in kept.notes] == ["Jan Janssen"]
    (event,) = _events("account.name_changed")
    assert "Jansen" not in json.dumps(event.changes)  # the audit diff holds no names
    # After the rename, an erasure still finds every label of the person.
    label = erasure.erase_user(db.session.get(User, user.id), by=None)
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(type(complaint), complaint.id)
    assert kept.received_by == label and [n.actor_label for n in kept.notes] == [label]


def test_email_change_is_confirmed_by_a_link_to_the_new_address(client, app, make_user):
    user = make_user()
    old = user.email
    other_device = client.application.test_client()
    login_as(other_device, user)
    login_as(client, user)
    refused = client.post(
        "/account/e-mailadres", data={"new_email": NEW, "current_password": "fout"}
    )
    assert refused.status_code == 422 and "wachtwoord klopt niet" in refused.text
    assert _mails("auth.email_confirm") == []
    response = client.post(
        "/account/e-mailadres", data={"new_email": NEW, "current_password": PASSWORD}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, user.id).email == old  # nothing changes before confirmation
    (confirm,) = _mails("auth.email_confirm")
    assert confirm.to_address == NEW and "e-mailadres-bevestigen" not in confirm.body  # redacted
    (notice,) = _mails("auth.email_change_notice")
    assert notice.to_address == old and NEW in notice.body
    assert "Wacht op bevestiging" in client.get("/account").text
    path = _confirm_path()
    token = path.rsplit("/", 1)[1]
    assert token not in "".join(db.session.scalars(select(UserToken.token_hash)))
    page = client.get(path)  # a mail scanner opening the link changes nothing
    assert page.status_code == 200 and NEW in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    db.session.expire_all()
    assert db.session.get(User, user.id).email == old
    assert post_token_form(client, path).status_code == 303
    db.session.expire_all()
    assert db.session.get(User, user.id).email == NEW
    assert client.get(path).status_code == 404  # single use
    assert post_token_form(client, path).status_code == 404
    (changed,) = _mails("auth.email_changed")
    assert changed.to_address == old and NEW in changed.body
    # This session stays, the other device is logged out.
    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code in (302, 401)
    live = db.session.scalar(
        select(func.count())
        .select_from(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    )
    assert live == 1
    assert [
        len(_events(a)) for a in ("account.email_change_requested", "account.email_changed")
    ] == [
        1,
        1,
    ]
    assert all(
        NEW not in json.dumps(e.changes) and old not in json.dumps(e.changes)
        for e in db.session.scalars(select(AuditEvent))
    )
    fresh = app.test_client()
    login = fresh.post("/inloggen", data={"email": NEW, "password": PASSWORD})
    assert login.status_code == 303


def test_taken_address_gets_the_same_answer_and_only_its_owner_hears_of_it(client, make_user):
    user, owner = make_user(), make_user()
    login_as(client, user)
    free = client.post(
        "/account/e-mailadres", data={"new_email": NEW, "current_password": PASSWORD}
    )
    taken = client.post(
        "/account/e-mailadres",
        data={"new_email": owner.email.upper(), "current_password": PASSWORD},
    )
    assert free.status_code == taken.status_code == 303
    assert free.headers["Location"] == taken.headers["Location"]
    assert "bevestigingslink" in client.get("/account").text
    # Outside review (low-medium): the account page and the old mailbox were different.
    page = client.get("/account").text
    assert "Wacht op bevestiging" in page and owner.email in page
    notices = _mails("auth.email_change_notice")
    assert [m.to_address for m in notices] == [user.email, user.email]
    (warning,) = _mails("auth.email_taken")
    assert warning.to_address == owner.email
    assert [m.to_address for m in _mails("auth.email_confirm")] == [NEW]
    db.session.expire_all()
    assert db.session.get(User, user.id).email != owner.email


def test_link_expires_a_newer_request_replaces_it_and_it_can_be_withdrawn(client, make_user):
    user = make_user()
    login_as(client, user)
    client.post("/account/e-mailadres", data={"new_email": NEW, "current_password": PASSWORD})
    first = _confirm_path()
    client.post(
        "/account/e-mailadres",
        data={"new_email": "ander@elders.example", "current_password": PASSWORD},
    )
    assert client.get(first).status_code == 404  # the older link stopped working
    row = db.session.scalars(
        select(UserToken).where(
            UserToken.purpose == TokenPurpose.EMAIL, UserToken.used_at.is_(None)
        )
    ).one()
    assert abs(row.expires_at - row.created_at - timedelta(hours=24)) < timedelta(seconds=5)
    row.expires_at = row.created_at  # expired
    db.session.commit()
    mail = _mails("auth.email_confirm")[-1]
    assert client.get(mailed_link(mail, "e-mailadres-bevestigen")).status_code == 404
    client.post("/account/e-mailadres", data={"new_email": NEW, "current_password": PASSWORD})
    latest = mailed_link(_mails("auth.email_confirm")[-1], "e-mailadres-bevestigen")
    assert client.post("/account/e-mailadres/intrekken").status_code == 303
    assert client.get(latest).status_code == 404
    assert len(_events("account.email_change_cancelled")) == 1


def test_address_taken_between_request_and_confirmation_is_refused_cleanly(client, make_user):
    user = make_user()
    login_as(client, user)
    client.post("/account/e-mailadres", data={"new_email": NEW, "current_password": PASSWORD})
    path = _confirm_path()
    make_user(email=NEW)
    response = post_token_form(client, path)
    assert response.status_code == 409 and "al in gebruik" in response.text
    db.session.expire_all()
    assert db.session.get(User, user.id).email != NEW
    assert client.get(path).status_code == 404


def test_stolen_session_without_a_password_needs_a_fresh_login(client, make_user):
    user = make_user(password=None)
    login_as(client, user)
    session_row = db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id)
    ).one()
    session_row.created_at = session_row.created_at - timedelta(hours=1)
    db.session.commit()
    stale = client.post("/account/e-mailadres", data={"new_email": NEW, "current_password": ""})
    assert stale.status_code == 422 and "opnieuw in" in stale.text
    assert _mails("auth.email_confirm") == []
    session_row.created_at = session_row.created_at + timedelta(hours=1)
    db.session.commit()
    assert client.post("/account/e-mailadres", data={"new_email": NEW}).status_code == 303


def test_sso_staff_address_follows_the_idp(client, make_user):
    staff = make_user(role="staff", password=None)
    login_as(client, staff)
    page = client.get("/account")
    assert "verenigingsaccount" in page.text and 'action="/account/e-mailadres"' not in page.text
    refused = client.post("/account/e-mailadres", data={"new_email": NEW})
    assert refused.status_code == 422 and _mails("auth.email_confirm") == []


def test_bad_input_gets_a_dutch_message_never_a_500(client, make_user):
    user = make_user()
    login_as(client, user)
    for email in ("geen-adres", "a@b", user.email, "x" * 300 + "@example.nl", "a\r\nb@example.nl"):
        response = client.post(
            "/account/e-mailadres", data={"new_email": email, "current_password": PASSWORD}
        )
        assert response.status_code == 422, email
    assert client.post("/account/naam", data={"name": "a\u202eb"}).status_code == 422
    assert client.post("/e-mailadres-bevestigen", data={"token": "x" * 500}).status_code in (
        400,
        404,
    )


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_email_change_requests_are_rate_limited(client, make_user):
    user = make_user()
    login_as(client, user)
    codes = [
        client.post(
            "/account/e-mailadres", data={"new_email": NEW, "current_password": "fout"}
        ).status_code
        for _ in range(6)
    ]
    assert codes[:5] == [422] * 5 and codes[5] == 429


@pytest.mark.parametrize("route", ["e-mailadres-bevestigen", "e-mailadres-intrekken"])
def test_the_confirmation_token_is_masked_in_the_access_log(route):
    assert mask(f"GET /{route}/abcDEF123 HTTP/1.1") == f"GET /{route}/[verborgen] HTTP/1.1"


def _withdraw_path() -> str:
    (notice,) = _mails("auth.email_change_notice")
    assert "e-mailadres-intrekken" not in notice.body  # the stored body holds no token
    return mailed_link(notice, "e-mailadres-intrekken")


def _live_sessions(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    )


def test_the_old_address_stops_a_change_it_did_not_ask_for_and_everyone_is_logged_out(
    client, app, make_user
):
    """Whoever knew the password asked for a change; the owner reads the notice."""
    user = make_user()
    old = user.email
    intruder = app.test_client()
    login_as(intruder, user)
    intruder.post("/account/e-mailadres", data={"new_email": NEW, "current_password": PASSWORD})
    confirm, withdraw = _confirm_path(), _withdraw_path()
    owner = app.test_client()
    page = owner.get(withdraw)  # a mail scanner opening the link changes nothing
    assert page.status_code == 200 and "Wijziging stoppen en overal uitloggen" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert _live_sessions(user) == 1
    done = post_token_form(owner, withdraw)
    assert done.status_code == 200 and "Er verandert niets aan uw e-mailadres" in done.text
    assert _live_sessions(user) == 0
    assert intruder.get("/account").status_code in (302, 401)
    assert client.get(confirm).status_code == 404  # the change link is dead
    db.session.expire_all()
    assert db.session.get(User, user.id).email == old
    assert post_token_form(owner, withdraw).status_code == 404  # single use
    (event,) = _events("account.email_change_withdrawn")
    assert old not in json.dumps(event.changes) and NEW not in json.dumps(event.changes)


def test_a_change_that_went_through_is_flagged_for_ledenservice(client, app, make_user):
    user = make_user()
    login_as(client, user)
    client.post("/account/e-mailadres", data={"new_email": NEW, "current_password": PASSWORD})
    confirm, withdraw = _confirm_path(), _withdraw_path()
    assert post_token_form(client, confirm).status_code == 303
    done = post_token_form(app.test_client(), withdraw)
    assert done.status_code == 200 and "teruggezet op het adres" in done.text
    assert len(_events("account.email_change_disputed")) == 1
    assert _live_sessions(user) == 0
    assert client.get("/account").status_code in (302, 401)


def _intruder_changes(client, address: str) -> str:
    """Request and confirm a change to `address`; the withdraw link of its notice."""
    db.session.execute(db.delete(OutboxMessage))
    client.post("/account/e-mailadres", data={"new_email": address, "current_password": PASSWORD})
    withdraw = _withdraw_path()
    assert post_token_form(client, _confirm_path()).status_code == 303
    return withdraw


def test_a_later_change_request_keeps_the_owners_link_and_the_account_comes_back(
    client, app, make_user
):
    """Outside review (high, medium): the intruder's next request voided the owner's link,
    two changes made it "lapsed", and a disputed change left the account with the intruder."""
    user = make_user()
    old = user.email
    login_as(client, user)
    owners = _intruder_changes(client, NEW)
    intruders = _intruder_changes(client, "derde@elders.example")  # notice went to NEW
    db.session.execute(db.delete(OutboxMessage))
    client.post(
        "/account/e-mailadres",
        data={"new_email": "vierde@elders.example", "current_password": PASSWORD},
    )  # a pending one too
    rectification.tokens.issue(db.session.get(User, user.id), TokenPurpose.RESET)
    db.session.commit()
    done = post_token_form(app.test_client(), owners)
    assert done.status_code == 200 and "Wachtwoord vergeten" in done.text
    assert "tweestapsverificatie" not in done.text
    db.session.expire_all()
    back = db.session.get(User, user.id)
    assert back.email == old and back.active
    assert _live_sessions(back) == 0
    live = db.session.scalars(
        select(UserToken).where(UserToken.user_id == user.id, UserToken.used_at.is_(None))
    ).all()
    assert live == []  # change and reset links, and the intruder's own withdraw link
    assert client.get(intruders).status_code == 404
    (mail,) = _mails("auth.email_restored")
    assert mail.to_address == old and "derde@" not in mail.body and NEW not in mail.body
    assert len(_events("account.email_change_disputed")) == 1


def test_a_disputed_change_to_an_address_now_taken_switches_the_account_off(client, app, make_user):
    user = make_user(totp_secret_enc="versleuteld")
    old = user.email
    login_as(client, user)
    withdraw = _intruder_changes(client, NEW)
    make_user(email=old)  # the old address got an account of its own meanwhile
    done = post_token_form(app.test_client(), withdraw)
    assert done.status_code == 200 and "uitgeschakeld" in done.text
    db.session.expire_all()
    assert not db.session.get(User, user.id).active
    assert db.session.get(User, user.id).email == NEW
    assert _mails("auth.email_restored") == []


def test_a_restored_account_with_a_second_factor_is_sent_to_ledenservice(client, app, make_user):
    user = make_user(totp_secret_enc="versleuteld")
    login_as(client, user)
    withdraw = _intruder_changes(client, NEW)
    done = post_token_form(app.test_client(), withdraw)
    assert "tweestapsverificatie" in done.text and "ledenservice" in done.text
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret_enc == "versleuteld"  # not silently off


def test_a_newer_request_replaces_the_withdraw_link_and_a_cancelled_change_is_audited(
    client, make_user
):
    user = make_user()
    login_as(client, user)
    client.post("/account/e-mailadres", data={"new_email": NEW, "current_password": PASSWORD})
    first = _withdraw_path()
    db.session.execute(db.delete(OutboxMessage))
    client.post(
        "/account/e-mailadres",
        data={"new_email": "ander@elders.example", "current_password": PASSWORD},
    )
    assert client.get(first).status_code == 404
    assert client.get(_withdraw_path()).status_code == 200
    # A password change withdraws the pending change, and now says so in the audit log.
    client.post(
        "/account/wachtwoord",
        data={
            "current": PASSWORD,
            "password": "Nieuw-Wachtwoord-2026!x",
            "confirm": "Nieuw-Wachtwoord-2026!x",
        },
    )
    assert len(_events("account.email_change_cancelled")) == 1


def test_a_password_change_withdraws_a_pending_email_change(client, make_user):
    """Outside review (medium): a change requested by whoever knew the old password survived
    the owner's password change (or reset) and could still be confirmed."""
    user = make_user()
    login_as(client, user)
    client.post("/account/e-mailadres", data={"new_email": NEW, "current_password": PASSWORD})
    path = _confirm_path()
    changed = client.post(
        "/account/wachtwoord",
        data={
            "current": PASSWORD,
            "password": "Nieuw-Wachtwoord-2026!x",
            "confirm": "Nieuw-Wachtwoord-2026!x",
        },
    )
    assert changed.status_code == 303
    assert client.get(path).status_code == 404
    assert "Wacht op bevestiging" not in client.get("/account").text
    db.session.expire_all()
    assert db.session.get(User, user.id).email != NEW


def test_a_link_older_than_the_password_or_for_an_inactive_account_is_refused(client, make_user):
    user = make_user()
    login_as(client, user)
    client.post("/account/e-mailadres", data={"new_email": NEW, "current_password": PASSWORD})
    path = _confirm_path()
    row = db.session.get(User, user.id)
    row.password_changed_at = datetime_after_token()
    db.session.commit()
    response = post_token_form(client, path)
    assert response.status_code == 409 and "wachtwoord is gewijzigd" in response.text
    db.session.expire_all()
    assert db.session.get(User, user.id).email != NEW
    client.post("/account/e-mailadres", data={"new_email": NEW, "current_password": PASSWORD})
    path = mailed_link(_mails("auth.email_confirm")[-1], "e-mailadres-bevestigen")
    row = db.session.get(User, user.id)
    row.active = False
    db.session.commit()
    response = post_token_form(client, path)
    assert response.status_code == 409 and "niet actief" in response.text
    db.session.expire_all()
    assert db.session.get(User, user.id).email != NEW


def datetime_after_token():
    """A password change one second after the newest e-mail change link was made."""
    row = db.session.scalars(
        select(UserToken)
        .where(UserToken.purpose == TokenPurpose.EMAIL)
        .order_by(UserToken.id.desc())
    ).first()
    return row.created_at + timedelta(seconds=1)


@pytest.mark.parametrize("switch", ["on", "off"])
def test_switching_the_second_factor_withdraws_a_pending_email_change(client, make_user, switch):
    user = make_user()
    if switch == "off":
        mfa.enable(user, mfa.new_secret())
        db.session.commit()
    login_as(client, user)
    client.post("/account/e-mailadres", data={"new_email": NEW, "current_password": PASSWORD})
    path = _confirm_path()
    if switch == "off":
        response = client.post(
            "/account/tweestapsverificatie/uitzetten", data={"password": PASSWORD}
        )
    else:
        client.get("/account/tweestapsverificatie")
        with client.session_transaction() as flask_session:
            secret = flask_session["mfa_pending_secret"]
        response = client.post("/account/tweestapsverificatie", data={"code": totp_code(secret)})
    assert response.status_code in (200, 303)
    assert client.get(path).status_code == 404
    assert rectification.pending_change(db.session.get(User, user.id)) is None


def test_a_link_sent_before_it_kept_its_address_switches_a_changed_account_off(
    client, app, make_user
):
    user = make_user()
    login_as(client, user)
    withdraw = _intruder_changes(client, NEW)
    db.session.execute(
        db.update(UserToken)
        .where(UserToken.purpose == TokenPurpose.WITHDRAW)
        .values(new_email=None)
    )
    db.session.commit()
    done = post_token_form(app.test_client(), withdraw)
    assert done.status_code == 200 and "uitgeschakeld" in done.text
    db.session.expire_all()
    assert not db.session.get(User, user.id).active
