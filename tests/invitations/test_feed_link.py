"""A feed-hash link has no invite API: the invitations page says so and offers the easy link."""

from __future__ import annotations

import pytest

from portal.agreements import services as agreements
from portal.dev.emulator_feed import feed_hash
from portal.extensions import db
from portal.invitations import services
from portal.reviews.models import Provider

BASE = "/mijn-profiel/uitnodigen"


def _feed_member(make_link, make_user, provider=Provider.KIYOH, ident="1000001"):
    system = make_link(provider, ident, creds={"feed_hash": feed_hash(ident)})
    user = make_user(company=system.company)
    version = agreements.publish_default()
    agreements.accept(system.company, version, by=user, signatory_name=user.name)
    db.session.commit()
    return system, user


def test_feed_link_is_no_invite_channel(app, make_link, make_user):
    system, _user = _feed_member(make_link, make_user)
    assert services.feed_only(system)
    assert services.invite_channel(system.company) is None
    blockers = services.upload_blockers(system.company)
    assert len(blockers) == 1 and "feed-hash" in blockers[0]


def test_token_link_is_still_an_invite_channel(app, make_link):
    system = make_link(Provider.KLANTENVERTELLEN, "1000001")
    assert not services.feed_only(system)
    assert services.invite_channel(system.company) == system


def test_invitations_page_explains_and_keeps_the_easy_link(client, login, make_link, make_user):
    _system, user = _feed_member(make_link, make_user)
    login(client, user)
    page = client.get(f"{BASE}/")
    assert page.status_code == 200
    assert "Uw koppeling gebruikt een feed-hash (oudere koppeling)." in page.text
    assert "https://www.kiyoh.com/invite-link/1000001/" in page.text
    assert feed_hash("1000001") not in page.text


def test_upload_to_a_feed_link_is_refused_in_dutch(app, make_link, make_user):
    system, user = _feed_member(make_link, make_user)
    csv = b"email,voornaam\njan@example.com,Jan\n"
    with pytest.raises(services.InvitationError, match="geen uitnodigingen versturen"):
        services.create_upload(
            system.company, by=user, data=csv, filename="klanten.csv", delay_days=0
        )
