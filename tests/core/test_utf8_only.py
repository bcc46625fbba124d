"""Bytes that are not UTF-8 in a path, query string or form body get the 400 page, never a 500."""

from __future__ import annotations

import pytest

from portal.auth.models import Role

# (path, QUERY_STRING as the WSGI server passes it: latin-1 text of the raw bytes)
QUERIES = ["q=\xff", "q=%FF", "q=%C3%28", "%FF=1", "q=ok&page=\xe9"]
PUBLIC = ["/", "/ledenzoeker/", "/inloggen", "/wachtwoord-vergeten", "/bestaat-niet"]
MEMBER = ["/mijn-profiel/", "/mijn-profiel/bedrijfsgegevens"]
STAFF = ["/beheer/", "/beheer/leden"]


def _is_dutch_400(response, *, fragment: bool = False) -> bool:
    text = response.get_data(as_text=True)
    whole_page = "<html" in text
    return (
        response.status_code == 400
        and "Het verzoek kon niet worden verwerkt" in text
        and whole_page is not fragment
    )


def _get(client, path: str, query: str, **kw):
    return client.get(path, environ_overrides={"QUERY_STRING": query}, **kw)


@pytest.mark.parametrize("query", QUERIES)
def test_query_strings_that_are_not_utf8_get_400_everywhere(client, make_user, login, query):
    for path in PUBLIC:
        assert _is_dutch_400(_get(client, path, query)), (path, query)
    member = make_user()
    login(client, member)
    for path in [*MEMBER, "/ledenzoeker/"]:
        assert _is_dutch_400(_get(client, path, query)), (path, query)
    staff = make_user(role=Role.STAFF)
    login(client, staff)
    for path in [*STAFF, "/ledenzoeker/"]:
        assert _is_dutch_400(_get(client, path, query)), (path, query)


def test_htmx_gets_the_400_fragment(client):
    response = _get(client, "/ledenzoeker/", "q=\xff", headers={"HX-Request": "true"})
    assert _is_dutch_400(response, fragment=True)


@pytest.mark.parametrize("path", ["/ledenzoeker/\xff", "/ledenzoeker/caf\xe9", "/\xc3("])
def test_paths_that_are_not_utf8_get_400(client, path):
    assert _is_dutch_400(client.get("/", environ_overrides={"PATH_INFO": path}))


def test_utf8_paths_and_queries_still_work(client):
    assert client.get("/ledenzoeker/?q=caf%C3%A9").status_code == 200
    assert client.get("/ledenzoeker/", query_string={"q": "Café ÿ"}).status_code == 200


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"email=a%FF%40example.nl&password=x", "application/x-www-form-urlencoded"),
        (b"email=a\xff@example.nl&password=x", "application/x-www-form-urlencoded"),
    ],
)
def test_form_bodies_that_are_not_utf8_get_400(client, make_user, login, body, content_type):
    assert _is_dutch_400(client.post("/inloggen", data=body, content_type=content_type))
    login(client, make_user())
    response = client.post("/mijn-profiel/bedrijfsgegevens", data=body, content_type=content_type)
    assert _is_dutch_400(response)
    htmx = client.post(
        "/mijn-profiel/bedrijfsgegevens",
        data=body,
        content_type=content_type,
        headers={"HX-Request": "true"},
    )
    assert _is_dutch_400(htmx, fragment=True)


def test_multipart_bytes_that_are_not_utf8_are_no_500(client):
    body = b'--b\r\nContent-Disposition: form-data; name="email\xff"\r\n\r\n\xff\r\n--b--\r\n'
    response = client.post("/inloggen", data=body, content_type="multipart/form-data; boundary=b")
    assert response.status_code < 500
