"""The embeddable score badge: public facts only, variants, caching with the directory version."""

from __future__ import annotations

import re

import defusedxml.ElementTree as ET
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.members import services as member_services
from portal.members.models import MembershipStatus
from portal.reviews.models import ReviewSystem, SystemStatus

SVG = "{http://www.w3.org/2000/svg}"


def texts(response) -> list[str]:
    """The visible lines of a badge (the SVG must parse as XML)."""
    root = ET.fromstring(response.data)
    return [t.text for t in root.iter(f"{SVG}text")]


def test_badge_with_score_shows_association_membership_score_count_and_source(
    client, listed, frozen_now
):
    company = listed("Bakker Installaties", reviews=42)
    response = client.get(f"/ledenzoeker/{company.slug}/badge.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    lines = texts(response)
    assert lines == [
        "Erkend lid",
        "Vereniging van Installatiebedrijven",
        "8,7 / 10",
        "42 beoordelingen via Klantenvertellen",
    ]
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "script" not in response.text and "<style" not in response.text
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


@pytest.mark.parametrize("reviews", [None, 0, 4])
def test_below_minimum_the_badge_shows_membership_only(client, listed, frozen_now, reviews):
    company = listed("Jansen Techniek", reviews=reviews)
    lines = texts(client.get(f"/ledenzoeker/{company.slug}/badge.svg"))
    assert lines == ["Erkend lid", "Vereniging van Installatiebedrijven"]


def test_stale_and_unapproved_scores_stay_off_the_badge(client, listed, frozen_now):
    pending = listed("Aanvraag BV", reviews=40, system={"status": SystemStatus.IN_REVIEW})
    assert "8,7 / 10" not in client.get(f"/ledenzoeker/{pending.slug}/badge.svg").text
    # Without frozen time the fixture's figures are months old: stale, so not shown.


def test_stale_score_is_not_shown(client, listed):
    company = listed("Oud Cijfer BV", reviews=40)
    assert "8,7" not in client.get(f"/ledenzoeker/{company.slug}/badge.svg").text


@pytest.mark.parametrize(
    ("query", "size", "fill"),
    [
        ("", (200, 100), "#ffffff"),
        ("?thema=donker", (200, 100), "#1b2a38"),
        ("?formaat=breed", (440, 56), "#ffffff"),
        ("?thema=donker&formaat=breed", (440, 56), "#1b2a38"),
        ("?thema=%3Cscript%3E&formaat=999", (200, 100), "#ffffff"),  # unknown: default
    ],
)
def test_variants(client, listed, frozen_now, query, size, fill):
    company = listed("Variant Installaties", reviews=12)
    root = ET.fromstring(client.get(f"/ledenzoeker/{company.slug}/badge.svg{query}").data)
    assert (int(root.get("width")), int(root.get("height"))) == size
    assert root.find(f"{SVG}rect").get("fill") == fill


def test_names_are_escaped(client, listed, frozen_now, app):
    app.config["ASSOCIATION_NAME"] = 'Bouw & <Installatie> "Vereniging"'
    company = listed("Escape BV", reviews=10)
    response = client.get(f"/ledenzoeker/{company.slug}/badge.svg")
    assert texts(response)[1] == 'Bouw & <Installatie> "Vereniging"'


def test_unknown_unlisted_and_opted_out_members_get_404_even_when_cached(
    client, listed, frozen_now, make_company
):
    assert client.get("/ledenzoeker/bestaat-niet/badge.svg").status_code == 404
    ended = make_company(membership_status=MembershipStatus.ENDED)
    assert client.get(f"/ledenzoeker/{ended.slug}/badge.svg").status_code == 404

    company = listed("Vertrekt BV", reviews=10)
    url = f"/ledenzoeker/{company.slug}/badge.svg"
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # now served from the shared cache
    member_services.set_opt_out(company, True, by=None)
    db.session.commit()
    assert client.get(url).status_code == 404


def test_cached_badge_follows_the_directory_version(client, listed, frozen_now):
    company = listed("Groeit BV", reviews=4)
    url = f"/ledenzoeker/{company.slug}/badge.svg"
    assert "8,7 / 10" not in client.get(url).text
    system = db.session.scalars(select(ReviewSystem).filter_by(company_id=company.id)).one()
    system.review_count = 5
    db.session.commit()
    member_services.refresh_directory(company)
    db.session.commit()
    assert "8,7 / 10" in client.get(url).text


def test_badge_is_publicly_cacheable(client, listed, frozen_now):
    company = listed("Cache BV", reviews=10)
    response = client.get(f"/ledenzoeker/{company.slug}/badge.svg")
    assert "public" in response.headers["Cache-Control"]
    assert re.search(r"max-age=\d+", response.headers["Cache-Control"])
