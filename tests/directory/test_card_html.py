"""Cards filled into patterns of the card template (portal/directory/card_html.py) are the
macros' own output, byte for byte: every shape of card, both languages, hostile text."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest

from portal.directory import cache, card_html, cards
from portal.directory.models import DirectoryEntry
from portal.directory.services import Card, ScoreRule, StoredScore
from portal.extensions import db
from tests.directory.conftest import NOW
from tests.directory.test_search import FRAGMENT

HOSTILE = "<b>Bakker</b> & \"Zn\" 'O'{0}{name}} zqcardfield3zq %s"
SCORES = [
    None,  # no system
    StoredScore("klantenvertellen", "active", Decimal("8.70"), Decimal("10"), 9, NOW),
    StoredScore("klantenvertellen", "active", Decimal("8.65"), Decimal("10.00"), 1234, NOW),
    StoredScore("feedback_company", "approved", Decimal("4.55"), Decimal("5"), 1, NOW),
    StoredScore("kiyoh", "active", Decimal("7.5"), Decimal("7.5"), 30, NOW, self_reported=True),
    StoredScore("other", "active", Decimal("8"), Decimal("10"), 3, NOW),  # below the minimum
    StoredScore("kiyoh", "active", None, None, 0, NOW),  # no reviews yet
    StoredScore("kiyoh", "active", Decimal("9"), Decimal("10"), 50, NOW - timedelta(days=999)),
    StoredScore("kiyoh", "paused", Decimal("9"), Decimal("10"), 50, NOW),  # not public
]


def _cards(rule: ScoreRule) -> list[Card]:
    found = []
    names = ["Bakker Installaties", HOSTILE]
    slugs = ["bakker-1", "bakker & zn/één?x=1#"]
    lists = [[], ["CV & ketels", "<Airco>"]]
    for name, slug, specialisms, recognitions, logo, facts in itertools.product(
        names, slugs, lists, lists, ["", "a1b2c3d4e5f6"], SCORES
    ):
        city = "" if logo else name[::-1]
        found.append(Card(slug, name, city, specialisms, recognitions, facts, rule, logo))
    return found


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("minimum", [5, 2])
def test_every_card_is_the_macros_output(app, lang, minimum):
    rule = ScoreRule(min_count=minimum, max_age_days=365, now=NOW)
    base = "/portaal/ledenzoeker/"
    with app.test_request_context(f"/ledenzoeker/?lang={lang}"):
        macros = app.jinja_env.get_template(cards.TEMPLATE).module
        held: dict = {}
        texts: dict = {}

        def patterns_of(shape):
            if shape not in held:
                held[shape] = card_html.patterns(macros, shape)
            return held[shape]

        for _round in range(2):  # the second with every pattern and score text kept
            for card in _cards(rule):
                expected = (
                    str(macros.head(card, base)),
                    str(macros.middle(card)),
                    str(macros.tail(card)),
                )
                assert card_html.render(card, base, patterns_of, texts) == expected
        assert len(held) == 2 * 2 * 2 * 4  # logo, specialisms, recognitions, score shown
    count = "1,234 reviews" if lang == "en" else "1.234 beoordelingen"
    assert count in texts.values()


def test_a_template_reading_an_unknown_field_fails_loudly(app):
    template = app.jinja_env.from_string(
        "{% macro head(card, base) %}{{ card.phone }}{% endmacro %}"
        "{% macro middle(card) %}{% endmacro %}{% macro tail(card) %}{% endmacro %}"
    )
    with app.test_request_context("/"), pytest.raises(card_html.UnknownField, match="phone"):
        card_html.patterns(template.module, (False, False, False, 0))


def test_postgresql_reads_card_rows_on_the_reader_and_survives_a_broken_one(
    app, client, listed, monkeypatch, caplog
):
    """One `= ANY` statement on the reader pool; a broken connection reads in the session."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the card rows' reader statement is PostgreSQL's")
    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0
    for n in range(25):
        listed(f"Bakker {n:02d}", reviews=n % 7, specialisms=["CV & ketels"] if n % 2 else [])
    db.session.commit()
    db.session.remove()  # nothing begun: a request's reads may go to the reader
    reads = []
    original = cards._read_on_reader

    def counted(bind, params):
        rows = original(bind, params)
        reads.append(rows is not None)
        return rows

    monkeypatch.setattr(cards, "_read_on_reader", counted)
    urls = ["/ledenzoeker/?q=bakker", "/ledenzoeker/?q=bakker&page=2&lang=en"]
    first = [client.get(url, headers=FRAGMENT).text for url in urls]
    assert reads and all(reads)
    ids = list(range(1, 200))
    rows = cards.read_rows(db.session, ids)  # outside a transaction: on the reader
    db.session.remove()
    with cache.reader(db.engine).connect() as conn:  # the pooled connection the next read gets
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    db.session.execute(db.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    db.session.commit()
    db.session.remove()
    reads.clear()
    assert cards.read_rows(db.session, ids) == rows  # read in the session instead
    assert reads == [False] and "directory cards: read failed" in caplog.text
    client.application.extensions.pop(cards.EXTENSION)  # no kept cards: every row is read
    assert [client.get(url, headers=FRAGMENT).text for url in urls] == first
    assert reads[1:] and all(reads[1:])  # on a fresh connection
    db.session.begin()  # in a transaction: read in the session, the same rows
    assert cards.read_rows(db.session, ids) == rows
    db.session.rollback()
    entries = db.session.query(DirectoryEntry).filter(DirectoryEntry.company_id < 200).all()
    assert {i: (r.specialisms, r.recognitions, r.name) for i, r in rows.items()} == {
        e.company_id: (e.specialisms, e.recognitions, e.name) for e in entries
    }
    assert any(r.specialisms == ["CV & ketels"] for r in rows.values())


def _forget_prepared_statements() -> None:
    """What a pooler in transaction mode does to the reader's next statement: the server
    connection it lands on has none of the statements psycopg prepared (sent past psycopg,
    which otherwise notices a DEALLOCATE ALL and forgets its own record too)."""
    connection = cache.reader(db.engine).raw_connection()  # the pooled one the next read gets
    try:
        connection.driver_connection.pgconn.exec_(b"DEALLOCATE ALL")
    finally:
        connection.close()


def test_postgresql_stops_preparing_the_card_rows_after_a_lost_prepared_statement(
    app, listed, caplog
):
    """Behind PgBouncer in transaction mode a prepared statement may be missing on the server
    connection: after the first such failure the rows are read unprepared, on the reader."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the card rows' reader statement is PostgreSQL's")
    for n in range(3):
        listed(f"Bakker {n:02d}")
    db.session.commit()
    db.session.remove()
    ids = list(range(1, 50))
    rows = cards.read_rows(db.session, ids)  # prepared on the reader's connection
    assert len(rows) == 3
    with caplog.at_level("WARNING", logger=cards.__name__):
        for _ in range(4):
            _forget_prepared_statements()
            assert cards.read_rows(db.session, ids) == rows
            db.session.remove()
    assert caplog.text.count("directory cards: read failed") == 1  # the first one only
    assert "no longer preparing" in caplog.text and app.extensions.get(cards.UNPREPARED)
    with cache.reader(db.engine).connect() as conn:  # what the reader's connection holds
        held = conn.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements").scalar()
    assert held == 0
