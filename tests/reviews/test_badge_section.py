"""Mijn profiel > Beoordelingen: the badge snippet and its live preview."""

from __future__ import annotations

import html

from portal.extensions import db
from portal.members import services as member_services

BASE = "/mijn-profiel/beoordelingen/"
HX = {"HX-Request": "true", "HX-Target": "reviews-badge"}


def test_snippet_is_a_plain_link_and_image_with_absolute_urls(client, make_user, login):
    user = make_user()
    login(client, user)
    page = client.get(BASE).text
    slug = user.company.slug
    snippet = html.unescape(
        page.split('id="badge-snippet"')[1].split(">", 1)[1].split("</textarea>")[0]
    )
    assert snippet == (
        f'<a href="http://localhost/ledenzoeker/{slug}">'
        f'<img src="http://localhost/ledenzoeker/{slug}/badge.svg" '
        'alt="Erkend lid van Vereniging van Installatiebedrijven: bekijk onze beoordelingen"></a>'
    )
    assert "<script" not in snippet
    assert f'src="/ledenzoeker/{slug}/badge.svg"' in page  # the preview


def test_options_change_preview_and_snippet_and_htmx_gets_only_the_section(
    client, make_user, login
):
    user = make_user()
    login(client, user)
    slug = user.company.slug
    page = client.get(BASE + "?thema=donker&formaat=breed")
    fragment = client.get(BASE + "?thema=donker&formaat=breed", headers=HX)
    assert "<html" in page.text and "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<div id="reviews-badge">')
    for response in (page, fragment):
        assert f"/ledenzoeker/{slug}/badge.svg?thema=donker&amp;formaat=breed" in response.text
        assert 'value="donker" checked' in response.text
    # The badge itself answers for a listed member.
    member_services.refresh_directory(user.company)
    db.session.commit()
    assert (
        client.get(f"/ledenzoeker/{slug}/badge.svg?thema=donker&formaat=breed").status_code == 200
    )


def test_opted_out_member_is_told_the_badge_is_unavailable(client, make_user, login):
    user = make_user()
    member_services.set_opt_out(user.company, True, by=user)
    db.session.commit()
    login(client, user)
    page = client.get(BASE).text
    assert "de badge is niet beschikbaar" in page
    assert "badge-preview-img" not in page
    assert client.get(f"/ledenzoeker/{user.company.slug}/badge.svg").status_code == 404
