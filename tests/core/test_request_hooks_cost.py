"""Cheaper hooks of every request keep their behaviour.

The session cookie's signing serializer is made once per set of keys (portal/core/cookie_session.py)
and still follows a key change and the fallback keys; Flask-Login's session-protection hash is
skipped while protection is off (portal/extensions.py), and anonymous and logged-in requests
are told apart as before.
"""

from __future__ import annotations

import pytest

from portal.extensions import login_manager


def test_the_serializer_is_kept_while_the_keys_stay(app):
    interface = app.session_interface
    first = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is first
    old_key = app.secret_key
    app.secret_key = "another-test-secret-key-that-is-long-enough-123456"
    changed = interface.get_signing_serializer(app)
    assert changed is not first
    assert changed.loads(changed.dumps({"a": 1})) == {"a": 1}
    with pytest.raises(Exception):  # noqa: B017,PT011 - itsdangerous' BadSignature
        changed.loads(first.dumps({"a": 1}))  # signed with the old key only
    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    rotated = interface.get_signing_serializer(app)
    assert rotated is not changed
    assert rotated.loads(first.dumps({"a": 1})) == {"a": 1}  # the old key still verifies


def test_a_session_cookie_set_by_one_request_is_read_by_the_next(client):
    with client.session_transaction() as session:
        session["probe"] = "waarde"
    with client.session_transaction() as session:
        assert session["probe"] == "waarde"


def test_no_protection_hash_while_session_protection_is_off(client, monkeypatch):
    def refuse() -> str:
        raise AssertionError("the session identifier was computed")

    monkeypatch.setattr(login_manager, "_session_identifier_generator", refuse)
    assert client.get("/ledenzoeker/").status_code == 200


def test_logged_in_and_anonymous_requests_are_still_told_apart(client, make_user, login):
    assert client.get("/mijn-profiel/", follow_redirects=False).status_code in (302, 303)
    user = make_user()
    login(client, user)
    assert client.get("/mijn-profiel/", follow_redirects=False).status_code == 200
