"""Result cards kept per member and directory version (portal/directory/cards.py) never go stale.

Each test renders a card once (so the process keeps it) and then changes what the card depends
on: the member's row, the moment of judging its score, the publication minimum, the language,
the logo. The next miss must show the change, with the shared result cache off (a miss is what
live typing sends).
"""

from __future__ import annotations

import gc
import sys
from datetime import timedelta

import pytest

from portal.auth.models import Role
from portal.core.settings import update_settings
from portal.directory import cards
from portal.directory.entries import refresh_entry
from portal.extensions import db
from portal.members import services as members
from portal.members.models import Company
from tests.directory.conftest import NOW
from tests.directory.test_logos import png, with_logo
from tests.directory.test_search import FRAGMENT, names


@pytest.fixture(autouse=True)
def misses_only(app):
    """Every search renders (the shared page cache would hide a stale card)."""
    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0


def _fragment(client, url: str) -> str:
    return client.get(url, headers=FRAGMENT).get_data(as_text=True)


def test_a_changed_row_shows_on_the_next_miss(client, listed):
    company = listed("Bakker Installaties", city="Utrecht")
    assert names(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)) == ["Bakker Installaties"]
    company = db.session.get(Company, company.id)
    company.city = "Zeist"
    company.legal_name = "Bakker Warmte"
    refresh_entry(company.id)
    db.session.commit()
    text = _fragment(client, "/ledenzoeker/?q=bakker")
    assert "Bakker Warmte" in text and "Zeist" in text
    assert "Bakker Installaties" not in text and "Utrecht" not in text


def test_a_member_that_leaves_is_not_shown_from_a_kept_card(client, listed):
    company = listed("Bakker Installaties")
    listed("Bakker Techniek")
    assert len(names(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT))) == 2
    db.session.get(Company, company.id).directory_opt_out = True
    refresh_entry(company.id)
    db.session.commit()
    assert names(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)) == ["Bakker Techniek"]


def test_a_score_that_grows_too_old_is_no_longer_shown(client, listed, app, monkeypatch):
    listed("Bakker Installaties", reviews=9)  # fetched a day before NOW
    max_age = app.config["REVIEW_MAX_AGE_DAYS"]
    monkeypatch.setattr("portal.directory.routes.utcnow", lambda: NOW)
    assert "8,7 / 10" in _fragment(client, "/ledenzoeker/?q=bakker")
    last = NOW + timedelta(days=max_age - 1)  # fetched + max_age: the last moment it holds
    monkeypatch.setattr("portal.directory.routes.utcnow", lambda: last)
    assert "8,7 / 10" in _fragment(client, "/ledenzoeker/?q=bakk")
    later = last + timedelta(seconds=1)
    monkeypatch.setattr("portal.directory.routes.utcnow", lambda: later)
    text = _fragment(client, "/ledenzoeker/?q=bakke")
    assert "Bakker Installaties" in text and "8,7" not in text


def test_a_new_publication_minimum_shows_on_the_next_miss(client, listed, make_user, frozen_now):
    listed("Bakker Installaties", reviews=4)
    text = _fragment(client, "/ledenzoeker/?q=bakker")
    assert "8,7" not in text and "4 van de 5" in text
    update_settings({"publication_min": 4}, by=make_user(role=Role.ADMIN))
    db.session.commit()
    assert "8,7 / 10" in _fragment(client, "/ledenzoeker/?q=bakker")


def test_cards_are_kept_per_language(client, listed, frozen_now):
    listed("Bakker Installaties", reviews=3, specialisms=["CV"])
    dutch = _fragment(client, "/ledenzoeker/?q=bakker")
    english = _fragment(client, "/ledenzoeker/?q=bakker&lang=en")
    assert "Vakgebieden:" in dutch and "3 van de 5" in dutch
    assert "Specialisms:" in english and "Vakgebieden:" not in english
    assert "lang=en" in english and "lang=en" not in dutch
    assert _fragment(client, "/ledenzoeker/?q=bakker") == dutch


def test_a_new_logo_shows_on_the_next_miss(client, listed):
    company = listed("Bakker Installaties")
    assert "directory-card-logo" not in _fragment(client, "/ledenzoeker/?q=bakker")
    with_logo(listed, "Jansen Loodgieters")  # another member: this one's card stays as it was
    assert "directory-card-logo" not in _fragment(client, "/ledenzoeker/?q=bakker")
    members.store_logo(db.session.get(Company, company.id), png(), by=None)
    db.session.commit()
    assert "directory-card-logo" in _fragment(client, "/ledenzoeker/?q=bakker")


def test_the_store_is_bounded_and_answers_the_same(client, listed, monkeypatch):
    for n in range(30):
        listed(f"Bakker {n:02d}", specialisms=["CV"] if n % 2 else [])
    urls = ["/ledenzoeker/?q=bakker", "/ledenzoeker/?q=bakker&page=2", "/ledenzoeker/?vakgebied=cv"]
    unbounded = [_fragment(client, url) for url in urls]
    monkeypatch.setattr(cards, "MAX_HELD", 5)
    client.application.extensions.pop(cards.EXTENSION)  # start over with the small store
    assert [_fragment(client, url) for url in urls] == unbounded
    assert [_fragment(client, url) for url in reversed(urls)] == unbounded[::-1]
    assert len(client.application.extensions[cards.EXTENSION].cards) <= 5


def test_the_store_keeps_the_cards_in_use_and_at_most_max_held(client, listed, monkeypatch):
    """Two generations of half MAX_HELD each: a card asked for from the old generation gets a
    second chance in the young one, the one nobody asked for is dropped at the next turn."""
    listed("Bakker Installaties")
    _fragment(client, "/ledenzoeker/")
    store_class = type(client.application.extensions[cards.EXTENSION])
    monkeypatch.setattr(cards, "MAX_HELD", 4)
    store = store_class(("binding",))
    for key in ("a", "b", "c"):  # the young generation holds 2: c starts a new one
        store.put((key,), key.upper())
    assert store.get_many([("a",)]) == ["A"]  # from the old generation: young again
    store.put(("d",), "D")  # young full again: the old one (with b) goes
    assert store.get_many([("a",), ("b",), ("c",), ("d",)]) == ["A", None, "C", "D"]
    assert len(store.cards) <= 4
    assert store.get_many([("e",)]) == [None]


def test_card_links_follow_the_mount_point(client, listed):
    """The detail pages' base URL is kept per script root, never one root for all."""
    listed("Bakker Installaties", slug="bakker")
    plain = client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT).text
    mounted = client.get(
        "/ledenzoeker/?q=bakker", headers=FRAGMENT, base_url="http://localhost/portaal/"
    ).text
    again = client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT).text
    assert 'href="/ledenzoeker/bakker?terug=q%3Dbakker"' in plain
    assert 'href="/portaal/ledenzoeker/bakker?terug=q%3Dbakker"' in mounted
    assert again == plain


def test_the_page_lists_every_card_indented_as_the_template_did(client, listed):
    for name in ("Bakker A", "Bakker B", "Bakker C"):
        listed(name)
    text = client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT).text
    items = text.split('<ol class="directory-list" start="1">\n')[1].split("      </ol>")[0]
    assert items.startswith('          <li class="card directory-card">')
    assert items.count('</li>\n\n          <li class="card directory-card">') == 2
    assert items.endswith("</li>\n\n")


def _held_bytes(objects) -> int:
    """The memory of `objects` and everything they hold (each object once), classes aside."""
    seen, todo, total = set(), list(objects), 0
    while todo:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, type):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        todo.extend(gc.get_referents(obj))
    return total


def test_a_kept_card_is_its_html_about_a_kilobyte(client, listed, frozen_now):
    """At 100,000 members live typing touches tens of thousands of cards: a kept card holds its
    HTML and until when it holds, not the row it came from (that was more than half of it)."""
    for n in range(40):
        listed(f"Bakker {n:02d}", reviews=9, specialisms=["CV", "Airco"], recognitions=["BRL"])
    for page in (1, 2):
        assert len(names(client.get(f"/ledenzoeker/?q=bakker&page={page}", headers=FRAGMENT))) == 20
    store = client.application.extensions[cards.EXTENSION]
    assert len(store.cards) == 40
    kept = list(store.cards.values())
    html = sum(len(k.parts.head) + len(k.parts.middle) + len(k.parts.tail) for k in kept)
    # The HTML itself and the objects around it (strings, slots, the moment it holds until).
    assert _held_bytes(kept) - html < 40 * 400
