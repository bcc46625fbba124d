"""Access control: every /beheer URL of the console is staff-only (members 404, anonymous login)."""

from __future__ import annotations

import pytest
from flask import url_for

from portal.auth.models import User
from portal.extensions import db

DUMMY = {
    "public_id": "00000000-0000-4000-8000-000000000000",
    "system_id": "00000000-0000-4000-8000-000000000000",
    "score_id": "00000000-0000-4000-8000-000000000000",
    "key": "geen_systeem",
    "fmt": "csv",
    "slug": "loodgieter",
}
ADMIN_ONLY = {
    "admin.settings",
    "admin.save_settings",
    "admin.specialisms",
    "admin.add_specialism",
    "admin.edit_specialism",
    "admin.update_specialism",
    "admin.staff_accounts_list",
    "admin.create_staff_account",
    "admin.change_staff_role",
    "admin.deactivate_staff_confirm",
    "admin.deactivate_staff",
}


def staff_routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every route of the staff blueprints."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith(("compliance.", "admin.")):
                continue
            url = url_for(rule.endpoint, **{a: DUMMY[a] for a in rule.arguments})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((rule.endpoint, method, url))
    return found


def test_the_route_list_is_complete(app):
    routes = staff_routes(app)
    urls = {url for _, _, url in routes}
    assert all(
        u.startswith(
            (
                "/beheer/criterium-2",
                "/beheer/audit",
                "/beheer/instellingen",
                "/beheer/vakgebieden",
                "/beheer/medewerkers",
            )
        )
        for u in urls
    )
    assert len(routes) == 32
    assert "/beheer/audit" in urls and "/beheer/criterium-2/" in urls


def test_member_gets_404_everywhere(app, client, make_user, login):
    login(client, make_user())
    for endpoint, method, url in staff_routes(app):
        response = client.open(url, method=method)
        assert response.status_code == 404, (endpoint, method, url)


def test_anonymous_goes_to_login(app, client):
    for endpoint, method, url in staff_routes(app):
        response = client.open(url, method=method)
        assert response.status_code == (302 if method == "GET" else 303), (endpoint, method)
        assert "/inloggen" in response.headers["Location"], (endpoint, url)


def test_staff_gets_404_on_admin_pages_only(app, staff_client):
    for endpoint, method, url in staff_routes(app):
        if method != "GET":
            continue
        response = staff_client.get(url)
        if endpoint in ADMIN_ONLY:
            assert response.status_code == 404, endpoint
        else:
            # Dummy ids miss (404); pages without an id render.
            expected = 404 if "0000" in url or "loodgieter" in url else 200
            assert response.status_code == expected, (endpoint, url)


@pytest.mark.parametrize(
    "url", ["/beheer/instellingen", "/beheer/vakgebieden", "/beheer/medewerkers"]
)
def test_admin_reaches_admin_pages(client, admin, login, url):
    login(client, admin)
    assert client.get(url).status_code == 200


def test_member_cannot_use_staff_score_page_but_staff_cannot_use_member_page(client, staff, login):
    login(client, staff)
    assert client.get("/mijn-profiel/criterium-2/score").status_code == 404


def test_medewerker_cannot_submit_a_score(client, make_user, login):
    from portal.auth.models import CompanyRole

    user = make_user()
    user.company_role = CompanyRole.MEDEWERKER
    db.session.commit()
    login(client, db.session.get(User, user.id))
    assert client.post("/mijn-profiel/criterium-2/score").status_code == 403
