"""Consumer filters: "Alleen met score", several specialisms and recognitions, in the URL."""

from __future__ import annotations

from datetime import timedelta

from tests.directory.conftest import NOW
from tests.directory.test_search import FRAGMENT, heading, names


def test_only_with_score_follows_the_public_score_rule(client, listed, frozen_now):
    listed("Met Score", reviews=23)
    listed("Precies Minimum", reviews=5)
    listed("Te Weinig", reviews=4)
    listed("Verouderd", reviews=40, system={"fetched_at": NOW - timedelta(days=31)})
    listed("Geen Systeem")
    everyone = client.get("/ledenzoeker/")
    assert heading(everyone) == "5 installateurs gevonden"
    scored = client.get("/ledenzoeker/?score=1", headers=FRAGMENT)
    assert names(scored) == ["Met Score", "Precies Minimum"]
    near = client.get("/ledenzoeker/?score=1&q=score")
    assert names(near) == ["Met Score"]
    assert 'name="score" value="1" checked' in near.text


def test_several_specialisms_and_recognitions_all_apply(client, listed):
    listed("Alles", specialisms=["Verwarming", "Sanitair"], recognitions=["STEK", "VCA"])
    listed("Alleen Verwarming", specialisms=["Verwarming"], recognitions=["STEK"])
    listed("Alleen Sanitair", specialisms=["Sanitair"], recognitions=["VCA"])
    both = client.get("/ledenzoeker/?vakgebied=verwarming&vakgebied=sanitair")
    assert names(both) == ["Alles"]
    assert names(client.get("/ledenzoeker/?vakgebied=verwarming")) == [
        "Alleen Verwarming", "Alles",
    ]  # fmt: skip
    assert names(client.get("/ledenzoeker/?erkenning=stek&erkenning=vca")) == ["Alles"]
    assert names(client.get("/ledenzoeker/?vakgebied=sanitair&erkenning=vca")) == [
        "Alleen Sanitair", "Alles",
    ]  # fmt: skip
    page = client.get("/ledenzoeker/?vakgebied=verwarming&vakgebied=sanitair").text
    assert 'name="vakgebied" value="verwarming" checked' in page
    assert 'name="vakgebied" value="sanitair" checked' in page
    assert "(2 gekozen)" in page


def test_filters_stay_in_the_shareable_paging_links(client, listed, frozen_now):
    for n in range(25):
        listed(f"Bedrijf {n:02d}", specialisms=["Verwarming", "Sanitair"], reviews=10)
    first = client.get("/ledenzoeker/?vakgebied=verwarming&vakgebied=sanitair&score=1")
    assert heading(first) == "25 installateurs gevonden"
    assert (
        'href="/ledenzoeker/?vakgebied=sanitair&amp;vakgebied=verwarming&amp;score=1&amp;page=2"'
        in first.text
    )


def test_unknown_or_hostile_filter_values_find_nothing_or_are_ignored(client, listed):
    listed("Alles", specialisms=["Verwarming"])
    unknown = client.get("/ledenzoeker/?vakgebied=verwarming&vakgebied=bestaat-niet")
    assert unknown.status_code == 200 and names(unknown) == []
    hostile = client.get("/ledenzoeker/?vakgebied=%3Cscript%3E&score=2")
    assert hostile.status_code == 200 and names(hostile) == ["Alles"]
