"""The key a process keeps per-database copies and locks under: opaque (no password, user, host
or database name in it), the same for the same database whatever the password, and worked out
once per engine, not several times in every ledenzoeker search."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from portal.core.db import database_key, engine_key
from portal.extensions import db
from tests.directory.test_search import FRAGMENT, names

PG = "postgresql+psycopg://portal_app:{password}@db.internal.example:5433/ledenportaal"


def test_the_key_names_no_credentials_or_host():
    key = engine_key(create_engine(PG.format(password="geheim-1")))
    for detail in ("geheim", "portal_app", "db.internal", "5433", "ledenportaal", "***"):
        assert detail not in key
    assert key == engine_key(create_engine(PG.format(password="ander-wachtwoord")))
    assert key != engine_key(create_engine(PG.format(password="x").replace("5433", "5432")))


def test_the_session_key_is_the_engine_key(app):
    assert database_key(db.session) == engine_key(db.engine)


def test_a_search_works_out_no_key_again(app, client, listed, monkeypatch):
    listed("Bakker Een", specialisms=["Warmtepompen"])
    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0  # every search renders
    url = "/ledenzoeker/?q=bakker&vakgebied=warmtepompen"
    assert names(client.get(url, headers=FRAGMENT)) == ["Bakker Een"]
    rendered = []
    original = URL.render_as_string
    monkeypatch.setattr(
        URL, "render_as_string", lambda self, *a, **k: rendered.append(1) or original(self, *a, **k)
    )
    assert names(client.get(url, headers=FRAGMENT)) == ["Bakker Een"]
    assert names(client.get("/ledenzoeker/?q=", headers=FRAGMENT))
    assert rendered == []
