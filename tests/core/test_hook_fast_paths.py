"""The app-wide hooks' fast paths answer as the full paths did (issue 19).

An empty session nobody modified is not handed to Flask's cookie writer (only "Vary: Cookie"
when it was read); a request that carries no login does not load an anonymous user; the NUL
check reads the raw path and query string; Flask-WTF's hook is not asked about GET requests;
Flask-Limiter's decorator does not evaluate limits while limiting is off. Each is compared with
what the full path gives.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter

from portal.core.security import has_nul_in_url
from portal.extensions import limiter, login_manager

HX = {"HX-Request": "true", "HX-Target": "directory-results"}


def _stock_flask_cookies(app, monkeypatch):
    """Make the app save its session with Flask's own interface (the reference)."""
    monkeypatch.setattr(app, "session_interface", SecureCookieSessionInterface())


def _visible(response) -> list[tuple[str, str]]:
    """Headers but Date, with the signed cookie value (it carries a timestamp) masked."""
    shown = []
    for name, value in response.headers.items():
        if name == "Set-Cookie":  # the value and expiry carry the time
            cookie_name, _, rest = value.partition("=")
            parts = [p for p in rest.split("; ")[1:] if not p.startswith("Expires=")]
            value = "; ".join([f"{cookie_name}=<value>", *parts])
        if name != "Date":
            shown.append((name, value))
    return shown


def test_an_untouched_empty_session_is_not_handed_to_flask(app, client, monkeypatch):
    saved = []
    real = SecureCookieSessionInterface.save_session

    def counting(self, *args):
        saved.append(args)
        return real(self, *args)

    monkeypatch.setattr(SecureCookieSessionInterface, "save_session", counting)
    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0
    response = client.get("/ledenzoeker/?q=x", headers=HX)
    assert response.status_code == 200
    assert saved == []
    assert "Set-Cookie" not in response.headers
    assert response.headers["Vary"].endswith(", Cookie")  # the session was read (login check)


SESSIONS = {
    "none": {},
    "anonymous with data": {"probe": "waarde"},
    "permanent": {"probe": "waarde", "_permanent": True},
}


@pytest.mark.parametrize("stored", list(SESSIONS))
@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/ledenzoeker/?q=x", HX),
        ("/ledenzoeker/", {}),
        ("/inloggen", {}),
        ("/mijn-profiel/", {}),  # flashes and redirects: the session is modified
        ("/?lang=en", {}),
        ("/bestaat-niet", {}),
    ],
)
def test_session_cookies_are_what_flask_writes(app, monkeypatch, stored, path, headers):
    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0
    answers = []
    for stock in (False, True):
        if stock:
            _stock_flask_cookies(app, monkeypatch)
        client = app.test_client()
        if SESSIONS[stored]:
            with client.session_transaction() as session:
                session.update(SESSIONS[stored])
        response = client.get(path, headers=headers)
        answers.append((response.status_code, _visible(response), response.get_data()))
    ours, flasks = answers
    assert ours[:2] == flasks[:2]
    if path.startswith("/ledenzoeker/?"):
        assert ours[2] == flasks[2]


def test_a_kept_anonymous_session_is_refreshed_as_before(app, client):
    app.permanent_session_lifetime = 3600
    app.config["SESSION_REFRESH_EACH_REQUEST"] = True
    with client.session_transaction() as session:
        session["probe"] = "waarde"
        session.permanent = True
    response = client.get("/ledenzoeker/?q=x", headers=HX)
    assert response.headers.get("Set-Cookie", "").startswith(app.config["SESSION_COOKIE_NAME"])
    with client.session_transaction() as session:
        assert session["probe"] == "waarde"


def test_logging_out_empties_and_deletes_the_cookie(app, client, make_user, login):
    login(client, make_user())
    with client.session_transaction() as session:
        session["probe"] = "waarde"
    with app.test_request_context("/"):
        from flask import session as flask_session

        flask_session["x"] = 1
        flask_session.clear()  # modified and empty: Flask deletes the cookie
        response = app.make_response("")
        app.session_interface.save_session(app, flask_session, response)
        assert "Set-Cookie" in response.headers
        assert "Expires=Thu, 01 Jan 1970" in response.headers["Set-Cookie"]
        assert "Cookie" in response.headers["Vary"]


def test_no_anonymous_user_is_built_for_a_request_without_login(client, monkeypatch):
    loaded = []
    real = type(login_manager)._load_user

    def counting(self):
        loaded.append(1)
        return real(self)

    monkeypatch.setattr(type(login_manager), "_load_user", counting)
    response = client.get("/ledenzoeker/?q=x", headers=HX)
    assert response.status_code == 200
    assert loaded == []
    assert response.headers["Cache-Control"] == "max-age=60, public"


def test_a_remember_cookie_still_loads_the_user(app, client, monkeypatch):
    loaded = []
    real = type(login_manager)._load_user

    def counting(self):
        loaded.append(1)
        return real(self)

    monkeypatch.setattr(type(login_manager), "_load_user", counting)
    client.set_cookie(app.config["REMEMBER_COOKIE_NAME"], "no-such-token")
    client.get("/ledenzoeker/?q=x", headers=HX)
    assert loaded  # a remember cookie: Flask-Login decides


def test_members_and_unverified_staff_are_still_recognised(client, make_user, login):
    member = make_user()
    login(client, member)
    response = client.get("/ledenzoeker/?q=x", headers=HX)
    assert response.headers["Cache-Control"] == "no-store"
    staff_client = client.application.test_client()
    login(staff_client, make_user(role="staff"), mfa_verified=False)
    response = staff_client.get("/ledenzoeker/", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/tweestapsverificatie")


QUERIES = [
    "", "q=x", "q=%00", "q=a%00b", "%00=x", "%00", "q=%2500", "q=%25%00", "a=1&&b=%00",
    "q=\x00", "q=+%00+", "q=%0", "q=%000", "q=%20", "=%00", "&%00&", "q=%2", "q=100%",
]  # fmt: skip


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("path", ["/ledenzoeker/", "/ledenzoeker/\x00", "/a\x00b/"])
def test_the_raw_nul_check_matches_the_parsed_one(path, query):
    parsed = parse_qsl(query.encode("latin-1").decode(), keep_blank_values=True)
    old = "\x00" in path or any("\x00" in k or "\x00" in v for k, v in parsed)
    assert has_nul_in_url({"PATH_INFO": path, "QUERY_STRING": query}) is old


@pytest.mark.parametrize(
    "path", ["/ledenzoeker/?q=%00", "/ledenzoeker/?%00=x", "/ledenzoeker/%00", "/%00"]
)
def test_nul_in_path_or_query_is_rejected(client, path):
    assert client.get(path).status_code == 400


def test_nul_in_a_form_is_rejected(app, client):
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/inloggen", data={"email": "a\x00@b.example", "password": "x"})
    assert response.status_code == 400


def test_percent_escaped_percent_zero_zero_is_text(client):
    assert client.get("/ledenzoeker/?q=%2500").status_code == 200


def test_csrf_is_not_asked_about_a_get(app, client, monkeypatch):
    from portal.extensions import csrf

    app.config["WTF_CSRF_ENABLED"] = True
    asked = []
    monkeypatch.setattr(csrf, "_is_exempt", lambda: asked.append(1) or False)
    assert client.get("/ledenzoeker/").status_code == 200
    assert asked == []
    assert client.post("/inloggen", data={"email": "a@b.example"}).status_code == 400
    assert asked  # a POST is checked, exemptions first, as before


def test_limits_off_skip_the_evaluation(app, client, monkeypatch):
    evaluated = []
    real = Limiter._check_request_limit

    def counting(self, *args, **kwargs):
        evaluated.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Limiter, "_check_request_limit", counting)
    monkeypatch.setattr(limiter, "enabled", False)
    with client:
        assert client.get("/ledenzoeker/?q=x", headers=HX).status_code == 200
        assert limiter.current_limit is None and limiter.current_limits == []
    assert evaluated == []
    monkeypatch.setattr(limiter, "enabled", True)
    if limiter.initialized:
        client.get("/ledenzoeker/?q=y", headers=HX)
        assert evaluated  # limits on: Flask-Limiter's own check


def test_a_request_without_cookies_is_not_parsed_for_them(app, client, monkeypatch):
    from werkzeug.sansio import request as sansio_request

    parsed = []
    real = sansio_request.parse_cookie

    def counting(*args, **kwargs):
        parsed.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(sansio_request, "parse_cookie", counting)
    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0
    assert client.get("/ledenzoeker/?q=x", headers=HX).status_code == 200
    assert parsed == []
    client.set_cookie("other", "1")
    assert client.get("/ledenzoeker/?q=x", headers=HX).status_code == 200
    assert parsed  # a cookie came along: parsed as before


@pytest.mark.parametrize(
    "vary", [None, "", "HX-Request", "accept-encoding", "Cookie, Accept-Encoding"]
)
@pytest.mark.parametrize("accept", [None, "", "identity", "gzip", "br;q=0.5, gzip", "*"])
def test_compression_is_what_flask_compress_does(app, vary, accept):
    from portal.core import compression
    from portal.extensions import compress

    body = "<p>" + "ledenzoeker " * 200 + "</p>"
    headers = {} if accept is None else {"Accept-Encoding": accept}
    results = []
    for hook in (compression._compress, compress.after_request):
        with app.test_request_context("/ledenzoeker/", headers=headers):
            response = app.response_class(body, headers={} if vary is None else {"Vary": vary})
            response = hook(response)
            results.append(
                (_without_clock(response.headers.items()), _gzip_mtime_zeroed(response.get_data()))
            )
    assert results[0] == results[1]


def _without_clock(headers):
    """The headers but Date (the two hooks may run either side of a second's turn)."""
    return [(name, value) for name, value in headers if name != "Date"]


def _gzip_mtime_zeroed(body):
    """A gzip body with its header's modification time (bytes 4-7, the clock) zeroed."""
    return body[:4] + bytes(4) + body[8:] if body[:2] == b"\x1f\x8b" else body


QUERIES_FOR_GET = ["", "q=x", "q=", "q=x&q=y", "page=2", "page=x", "&", "lang=en"]


@pytest.mark.parametrize("query", QUERIES_FOR_GET)
@pytest.mark.parametrize("key", ["q", "page", "lang", "missing"])
def test_request_args_get_answers_as_werkzeug(app, query, key):
    from werkzeug.datastructures import ImmutableMultiDict

    with app.test_request_context(f"/ledenzoeker/?{query}"):
        from flask import request

        plain = ImmutableMultiDict(list(request.args.items(multi=True)))
        assert type(request.args).__name__ == "QuickMissArgs"
        for args in ((), ("d",), (None, int), ("d", int)):
            assert request.args.get(key, *args) == plain.get(key, *args)
        assert request.args.get(key, type=int) == plain.get(key, type=int)


def test_a_missing_argument_raises_no_exception(app):
    from werkzeug import exceptions

    made = []

    class Counting(exceptions.BadRequestKeyError):
        def __init__(self, *args, **kwargs):
            made.append(1)
            super().__init__(*args, **kwargs)

    with app.test_request_context("/ledenzoeker/?q=x"):
        from flask import request

        real = exceptions.BadRequestKeyError
        exceptions.BadRequestKeyError = Counting
        try:
            assert request.args.get("page") is None
            assert request.args.get("q") == "x"
        finally:
            exceptions.BadRequestKeyError = real
    assert made == []


def test_the_etag_is_what_werkzeug_writes(app, client):
    from flask import Response

    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0
    response = client.get("/ledenzoeker/?q=x", headers=HX)
    theirs = Response(response.get_data())
    theirs.add_etag()
    assert response.headers["ETag"] == theirs.headers["ETag"]
    again = client.get(
        "/ledenzoeker/?q=x", headers={**HX, "If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304
