"""Who builds a structure made per directory version (the matching sets), and when (issue 19).

Not a search: the first search of every worker after a change had waited for the matching
sets (1.2 s to build at 100,000 members, 0.3-0.5 s to read back). They are built by the
process that changed the directory, after its commit and outside any visitor's wait:
- a CLI command (the directory refresh, the review sync, an import): when the command ends,
  so a job that commits many batches builds once;
- a request (an edit in Mijn profiel or Beheer): after its response has been sent
  (the WSGI response's close);
and under a lock, so one process builds a given version while any others wait (`wait=True`)
or leave it to that one (`wait=False`). On PostgreSQL the lock is an advisory lock, so it
holds across hosts; on SQLite a lock file next to the database (an in-memory database: a
lock in the process). A worker that finds no sets for the current version answers from SQL
and arranges a build after its response the same way (the builder may have died, or the
cache lost the entry); it never waits for one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator

import click
from flask import Flask, Response, after_this_request, current_app, g, has_request_context
from sqlalchemy import Engine, text

from portal.core import filelock
from portal.core.db import engine_key

log = logging.getLogger(__name__)
_PROCESS_LOCKS: dict[str, threading.Lock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()
_TRY = text("SELECT pg_try_advisory_lock(:key)")
_WAIT = text("SELECT pg_advisory_lock(:key)")
_UNLOCK = text("SELECT pg_advisory_unlock(:key)")


@contextlib.contextmanager
def lock(engine: Engine, key: int, *, wait: bool) -> Iterator[bool]:
    """Hold the build lock `key` of `engine`'s database; yields False when `wait` is off and
    another process or thread holds it."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            got = bool(conn.execute(_WAIT if wait else _TRY, {"key": key}).scalar() or wait)
            conn.commit()
            try:
                yield got
            finally:
                if got:
                    conn.execute(_UNLOCK, {"key": key})
                    conn.commit()
        return
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        with filelock.file_lock(f"{database}.lock-{key}", wait=wait) as got:
            yield got
        return
    with _PROCESS_LOCKS_GUARD:
        held = _PROCESS_LOCKS.setdefault(f"{engine_key(engine)}#{key}", threading.Lock())
    got = held.acquire(blocking=wait)
    try:
        yield got
    finally:
        if got:
            held.release()


def later(name: str, run: Callable[[], object]) -> bool:
    """Run `run()` (in an app context) once the current request's response has been sent, or
    when the current CLI command ends; at most once per request or command for `name`.
    False outside both (a test or script: nobody waits for it there; the next search that
    misses the result arranges it)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if has_request_context():
        flag = f"directory_later_{name}"
        if g.get(flag):
            return True
        try:
            after_this_request(lambda response: _on_close(response, app, run))
        except (AssertionError, RuntimeError):  # the response is already being finalised
            return False
        setattr(g, flag, True)
        return True
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return False
    if not ctx.meta.get(f"directory_later_{name}"):
        ctx.meta[f"directory_later_{name}"] = True
        ctx.call_on_close(lambda: _run(app, run))
    return True


def _on_close(response: Response, app: Flask, run: Callable[[], object]) -> Response:
    response.call_on_close(lambda: _run(app, run))
    return response


def _run(app: Flask, run: Callable[[], object]) -> None:
    """`run()` in a fresh app context; an error is logged, never raised into the server."""
    with app.app_context():
        try:
            run()
        except Exception:  # a failed build leaves the SQL path answering
            log.exception("directory: building the shared copy failed (pid %s)", os.getpid())
