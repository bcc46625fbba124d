"""Cheaper hooks of every request keep their behaviour.

The session cookie's signing serializer is made once per set of keys (portal/core/cookie_session.py)
and still follows a key change and the fallback keys; Flask-Login's session-protection hash is
skipped while protection is off (portal/extensions.py), and anonymous and logged-in requests
are told apart as before. The ledenzoeker's cache headers are written as one string when no
view set Cache-Control (the same value werkzeug's two updates wrote), the request metrics keep
their labelled series per process, Flask-Babel is handed a parsed Locale, and the database key
is worked out once per session.
"""

from __future__ import annotations

import pytest
from babel import Locale
from flask import Response
from flask_babel import get_babel

from portal.core import i18n
from portal.core.db import database_key, engine_key
from portal.directory.headers import CACHE_CONTROL
from portal.extensions import db, login_manager
from portal.ops import metrics as ops_metrics


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


@pytest.mark.parametrize("shared", [True, False])
def test_the_cache_control_string_is_what_werkzeug_writes(shared):
    response = Response("x")
    response.cache_control.max_age = 60
    if shared:
        response.cache_control.public = True
    else:
        response.cache_control.private = True
    assert CACHE_CONTROL[shared] == response.headers["Cache-Control"]


def test_ledenzoeker_cache_headers_and_revalidation(client, app):
    fragment_headers = {"HX-Request": "true", "HX-Target": "directory-results"}
    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0
    fragment = client.get("/ledenzoeker/?q=x", headers=fragment_headers)
    assert fragment.headers["Cache-Control"] == "max-age=60, public"
    page = client.get("/ledenzoeker/?q=x")
    assert page.headers["Cache-Control"] == "max-age=60, private"
    etag = fragment.headers["ETag"]
    again = client.get("/ledenzoeker/?q=x", headers={**fragment_headers, "If-None-Match": etag})
    assert again.status_code == 304
    other = client.get("/ledenzoeker/?q=x", headers={**fragment_headers, "If-None-Match": '"x"'})
    assert other.status_code == 200 and other.headers["ETag"] == etag
    dated = client.get(
        "/ledenzoeker/?q=x",
        headers={**fragment_headers, "If-Modified-Since": "Sun, 06 Dec 2026 10:00:00 GMT"},
    )
    assert dated.status_code == 200 and dated.data == fragment.data


def test_request_metrics_keep_counting_with_kept_series(client):
    def count() -> float:
        series = ops_metrics.metrics.REQUESTS.labels("directory.about_scores", "GET", "2xx")
        return series._value.get()

    before = count()
    for _ in range(3):
        assert client.get("/ledenzoeker/over-de-scores").status_code == 200
    assert count() == before + 3
    assert ops_metrics._SERIES[("directory.about_scores", "GET", "2xx")][1] is (
        ops_metrics.metrics.REQUESTS.labels("directory.about_scores", "GET", "2xx")
    )


def test_babel_gets_one_parsed_locale_per_language(client, monkeypatch):
    seen = []

    def record() -> Locale:
        found = i18n.babel_locale()
        seen.append(found)
        return found

    monkeypatch.setattr(get_babel(), "locale_selector", record)
    assert "Search" in client.get("/ledenzoeker/?lang=en").text  # English page
    assert "Zoeken" in client.get("/ledenzoeker/?lang=nl").text
    client.get("/ledenzoeker/?lang=en")
    assert [str(locale) for locale in seen] == ["en", "nl", "en"]
    assert seen[0] is seen[2] and all(isinstance(locale, Locale) for locale in seen)


def test_the_database_key_is_the_engine_key_once_per_session(app):
    with app.test_request_context("/"):
        key = database_key(db.session)
        assert key == engine_key(db.session.get_bind().engine)
        assert database_key(db.session) is key
