"""The directory version a process holds between reads (`request_state.Kept`, `change_signal`).

A ledenzoeker request reads the state row again only when it may have changed: a bump
committed by this process (at once), a change signal from another process (NOTIFY on
PostgreSQL, the hint file next to an SQLite database), or a last read older than
DIRECTORY_VERSION_RECHECK_SECONDS (a lost signal). Runs on a database file or on the PostgreSQL
test database (in-memory SQLite reads through the session on every request).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from portal import ROOT
from portal.config import ConfigError, load_config
from portal.core.db import utcnow
from portal.directory import cache, change_signal, request_state
from portal.extensions import db
from tests.conftest import database_url_for_tests

RECHECK = "DIRECTORY_VERSION_RECHECK_SECONDS"
FOREVER = (
    60  # the largest recheck bound, one no test reaches: only a signal makes a process read again
)
WAIT = 30  # seconds a test waits for an asynchronous signal at most (it comes in milliseconds)
SILENT = text("UPDATE directory_state SET version = version + 1 WHERE id = 1")
BUMP_ELSEWHERE = """
import sys
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from portal.core.db import utcnow
from portal.directory import cache
engine = create_engine(sys.argv[1])
with Session(engine) as session:
    cache.bump(session, now=utcnow())
    session.commit()
engine.dispose()
"""


@pytest.fixture
def app_config(tmp_path):
    config = {"DIRECTORY_RESULT_CACHE_SECONDS": 0, RECHECK: FOREVER}
    if not database_url_for_tests().startswith("postgresql"):
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'portal.db'}"
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {}  # a pool of connections, as in production
    return config


@pytest.fixture
def version(app) -> Callable[[], int]:
    """The version a request of this process takes (`request_generation`), read with no
    session begun, as at the start of a request."""
    cache.bump(db.session, now=utcnow())  # the state row exists
    db.session.commit()
    db.session.remove()

    def read() -> int:
        found = request_state.request_generation(db.session)[0]
        db.session.remove()
        return found

    read()  # starts the listener (PostgreSQL): the state is held once it listens
    kept = app.extensions[cache.READERS][db.engine, request_state.KEPT]
    if kept.listener is not None:
        assert wait_for(lambda: int(kept.listener.listening), 1) == 1
    return read


@pytest.fixture
def elsewhere(app):
    """Run a statement on a connection of another engine, committed, with no signal (a writer
    outside the portal, a restore); yields the engine."""
    engine = create_engine(db.engine.url)
    yield engine
    engine.dispose()


def change_silently(engine) -> None:
    with engine.begin() as conn:
        conn.execute(SILENT)


def bump_in_another_process() -> None:
    url = db.engine.url.render_as_string(hide_password=False)
    subprocess.run([sys.executable, "-c", BUMP_ELSEWHERE, url], cwd=ROOT, check=True, timeout=120)


def wait_for(read: Callable[[], int], expected: int) -> int:
    """`read()` until it gives `expected` or WAIT seconds passed (no timing asserted)."""
    deadline = time.monotonic() + WAIT
    found = read()
    while found != expected and time.monotonic() < deadline:
        time.sleep(0.01)
        found = read()
    return found


def test_an_unsignalled_change_is_not_read_within_the_recheck_bound(app, version, elsewhere):
    before = version()
    change_silently(elsewhere)
    assert version() == before  # the held state, no read: what the signal saves per request
    app.config[RECHECK] = 0  # as before the signal: read on every request
    assert version() == before + 1


def test_a_bump_committed_by_another_process_shows_once_its_signal_arrives(app, version):
    before = version()
    bump_in_another_process()
    assert wait_for(version, before + 1) == before + 1


def test_a_bump_committed_by_this_process_shows_on_its_next_request(app, version):
    before = version()
    with Session(db.engine) as other:  # another session of this process
        cache.bump(other, now=utcnow())
        other.commit()
    assert version() == before + 1  # at once: no waiting for a signal


def test_a_rolled_back_bump_signals_nothing(app, version, monkeypatch):
    before = version()
    reads: list[int] = []
    read_state = request_state._read_state
    monkeypatch.setattr(request_state, "_read_state", lambda c: reads.append(1) or read_state(c))
    with Session(db.engine) as other:
        cache.bump(other, now=utcnow())
        other.rollback()
    assert version() == before
    assert reads == []


def test_a_lost_signal_is_bounded_by_the_recheck_setting(app, version, elsewhere):
    before = version()
    app.config[RECHECK] = 0.05
    change_silently(elsewhere)
    assert wait_for(version, before + 1) == before + 1


def test_a_flood_of_notifications_costs_at_most_one_read_per_request(
    app, version, elsewhere, monkeypatch
):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("NOTIFY is PostgreSQL's")
    before = version()
    reads: list[int] = []
    read_state = request_state._read_state
    monkeypatch.setattr(request_state, "_read_state", lambda c: reads.append(1) or read_state(c))
    change_silently(elsewhere)
    for n in range(500):  # separate transactions: PostgreSQL folds equal ones of one
        with elsewhere.begin() as conn:
            conn.execute(text(f"NOTIFY {change_signal.CHANNEL}, '{n}'"))
    per_request: list[int] = []
    deadline = time.monotonic() + WAIT
    while not per_request or (per_request[-1] and time.monotonic() < deadline):
        reads.clear()
        assert version() == before + 1
        per_request.append(len(reads))
    assert max(per_request) == 1 and per_request[-1] == 0  # drained, not read 500 times
    assert sum(per_request) < 50


def listener(app):
    return app.extensions[cache.READERS][db.engine, request_state.KEPT].listener


def test_a_killed_listener_connects_again(app, version, elsewhere, caplog):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("LISTEN is PostgreSQL's")
    before = version()
    thread = listener(app)
    assert wait_for(lambda: int(thread.listening), 1) == 1
    killed = thread.backend_pid
    with elsewhere.begin() as conn:  # as a database restart or a failover leaves it
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": killed})
    bump_in_another_process()  # its notification cannot reach the killed connection
    assert wait_for(version, before + 1) == before + 1
    assert wait_for(lambda: int(thread.listening and thread.backend_pid != killed), 1) == 1
    assert "directory version: change listener failed" in caplog.text
    bump_in_another_process()  # heard on the new connection
    assert wait_for(version, before + 2) == before + 2


NOTIFY_FLOOD = """
DO $$
BEGIN
  FOR i IN 1..{n} LOOP
    UPDATE directory_state SET version = version + 1 WHERE id = 1;
    PERFORM pg_notify('{channel}', repeat('x', 4000));
    COMMIT;
  END LOOP;
END $$
"""


def test_an_idle_process_keeps_reading_its_notifications(app, version, elsewhere):
    """Thousands of bumps while no request of this process comes: its connections must not
    leave the server blocked writing notifications to them (ClientWrite), which would hold the
    NOTIFY queue's tail until every NOTIFY, so every bump, fails."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("NOTIFY is PostgreSQL's")
    before = version()  # this process listens (and then serves no request)
    flood = 5000
    with elsewhere.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(NOTIFY_FLOOD.format(n=flood, channel=change_signal.CHANNEL)))

    def blocked() -> int:
        with elsewhere.connect() as conn:
            return conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event = 'ClientWrite'"
                )
            ).scalar_one()

    assert wait_for(blocked, 0) == 0  # a blocked backend stays blocked: never 0 on its own
    assert wait_for(version, before + flood) == before + flood


def test_without_a_usable_hint_file_every_request_reads(app, elsewhere, tmp_path, caplog):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the hint file is SQLite's")
    hint = change_signal.hint_path(db.engine)
    assert hint is not None and hint.startswith(str(tmp_path))
    os.mkdir(hint)  # a path no file can be opened at (as a directory the portal cannot write)
    cache.bump(db.session, now=utcnow())
    db.session.commit()  # the hint is not written: the commit stands all the same
    assert "change hint not written" in caplog.text
    db.session.remove()
    before = request_state.request_generation(db.session)[0]
    assert "no change hint" in caplog.text
    change_silently(elsewhere)
    assert request_state.request_generation(db.session)[0] == before + 1


def test_the_hint_file_lies_next_to_the_database(app, version, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the hint file is SQLite's")
    version()
    hint = tmp_path / ("portal.db" + change_signal.HINT_SUFFIX)
    assert hint.stat().st_size == change_signal.SIZE
    written = hint.read_bytes()
    bump_in_another_process()
    assert hint.read_bytes() != written


def test_a_request_with_no_session_yet_makes_none(app, version):
    assert not db.session.registry.has()
    request_state.request_generation(db.session)
    assert not db.session.registry.has()  # the engine was found without making a session


def test_a_truncated_hint_file_means_a_read(app, version, elsewhere, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the hint file is SQLite's")
    before = version()
    hint = tmp_path / ("portal.db" + change_signal.HINT_SUFFIX)
    os.truncate(hint, 0)  # by hand, or a full disk's restore
    change_silently(elsewhere)
    assert version() == before + 1
    change_silently(elsewhere)
    assert version() == before + 2  # while it stays short, every request reads


def test_readers_never_create_the_hint_file(app, elsewhere, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the hint file is SQLite's")
    hint = tmp_path / ("portal.db" + change_signal.HINT_SUFFIX)
    cache.bump(db.session, now=utcnow())
    db.session.commit()
    db.session.remove()
    hint.unlink()
    before = request_state.request_generation(db.session)[0]
    db.session.remove()
    assert not hint.exists()  # only a writer creates it (as its own user)
    change_silently(elsewhere)
    assert request_state.request_generation(db.session)[0] == before + 1


def test_a_hint_file_others_can_write_is_not_trusted(app, elsewhere, tmp_path, caplog):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the hint file is SQLite's")
    hint = tmp_path / ("portal.db" + change_signal.HINT_SUFFIX)
    cache.bump(db.session, now=utcnow())
    db.session.commit()
    db.session.remove()
    os.chmod(hint, 0o666)  # noqa: S103 - as another local user's file could be
    before = request_state.request_generation(db.session)[0]
    db.session.remove()
    assert "no change hint (UntrustedHint)" in caplog.text
    change_silently(elsewhere)  # so every request reads
    assert request_state.request_generation(db.session)[0] == before + 1


def test_the_recheck_bound_is_at_most_a_minute(tmp_path):
    with pytest.raises(ConfigError, match=f"{RECHECK} must be 60 or less"):
        load_config(str(tmp_path), {RECHECK: "61"})
    assert load_config(str(tmp_path), {RECHECK: "60"})[RECHECK] == 60.0
