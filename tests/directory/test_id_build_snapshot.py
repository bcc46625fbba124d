"""The matching sets are built from one consistent view (outside review): a member re-published
between the read of the rows and the read of the specialism links is not a KeyError (a 500 with
the shared cache off). On PostgreSQL the build reads in one REPEATABLE READ snapshot, so the
member is in neither read; on SQLite its links are left out. The change is injected between the
two statements by an event hook: no timing involved."""

from __future__ import annotations

from sqlalchemy import delete, event, insert, select

from portal.directory import id_index
from portal.directory.models import DirectoryEntry
from portal.extensions import db
from tests.directory.test_search import FRAGMENT, names

ENTRIES = DirectoryEntry.__table__


def _republish_between_the_reads(company_id: int):
    """Take the member's public row out now and put it back (committed, on a connection of its
    own where the database has several) just before the build reads the specialism links."""
    row = dict(
        db.session.execute(select(ENTRIES).where(ENTRIES.c.company_id == company_id)).one()._mapping
    )
    db.session.execute(delete(ENTRIES).where(ENTRIES.c.company_id == company_id))
    db.session.commit()
    done: list[bool] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if done or "FROM company_specialisms" not in statement:
            return
        done.append(True)
        with db.engine.begin() as other:
            other.execute(insert(ENTRIES).values(**row))

    event.listen(db.engine, "before_cursor_execute", before)
    return lambda: (event.remove(db.engine, "before_cursor_execute", before), done)[1]


def test_a_member_republished_between_the_reads_is_not_a_key_error(listed):
    one = listed("Bakker Een", specialisms=["CV"])
    two = listed("Bakker Twee", specialisms=["CV"])
    stop = _republish_between_the_reads(two.id)
    try:
        index = id_index.build(db.session)
    finally:
        assert stop() == [True]  # the change did land between the two reads
    assert list(index.ids) == [one.id]  # the rows as first read
    [cv] = {item for item in index.parts.specialisms}
    assert index.page(index.term(id_index.Term(specialism_ids=(cv,))), offset=0, size=9) == [one.id]


def test_with_the_shared_cache_off_the_search_answers(app, client, listed):
    app.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0  # each process builds in the request
    listed("Bakker Een", specialisms=["CV"])
    two = listed("Bakker Twee", specialisms=["CV"])
    app.extensions.pop(id_index.EXTENSION, None)
    stop = _republish_between_the_reads(two.id)
    try:
        response = client.get("/ledenzoeker/?q=bakker&vakgebied=cv", headers=FRAGMENT)
    finally:
        assert stop() == [True]
    assert response.status_code == 200
    assert "Bakker Een" in names(response)
