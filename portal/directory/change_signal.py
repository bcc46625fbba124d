"""The directory's change signal: a process reads the directory state again only when it may
have changed (`request_state.request_generation`).

- PostgreSQL: `cache.bump` sends NOTIFY on CHANNEL inside its transaction, so it is delivered
  exactly at the commit and never for a rolled-back bump; each process's kept generation
  connection LISTENs (`Listening`).
- SQLite (one host): after the commit the bumping process writes 8 new random bytes into the
  hint file next to the database (`hint_path`); readers map it (`Hint`) and compare it, read
  before the state row, with the one read before the row they hold. Any difference (a torn
  write too) only means one more read.
- This process: every committed bump moves `local_mark` on, seen by its next request at once.

A signal can be lost (a writer outside the portal, a database restore, LISTEN behind PgBouncer
in transaction mode): DIRECTORY_VERSION_RECHECK_SECONDS bounds how long a process trusts the
state it read without one.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import mmap
import os
import threading

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session, SessionTransaction

from portal.core.db import AnySession

log = logging.getLogger(__name__)
CHANNEL = "ledenportaal_directory"
LISTEN = f"LISTEN {CHANNEL}"
_NOTIFY = text(f"SELECT pg_notify('{CHANNEL}', '')")
HINT_SUFFIX = "-directory-hint"
SIZE = 8
PENDING = "directory_signal_pending"  # session.info: the hint file to write after the commit
_count = itertools.count(1)
_mark = [0]  # the last value of _count taken by a committed bump of this process


def local_mark() -> int:
    """Moves on with every bump this process commits (compare for inequality only)."""
    return _mark[0]


def hint_path(bind: Engine) -> str | None:
    """The hint file of an SQLite database file (None for another database or in-memory)."""
    database = bind.url.database
    if bind.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):  # a URI filename: its query may name memory or a mode
        return None
    return database + HINT_SUFFIX


def announce(session: AnySession) -> None:
    """Signal the bump of `session`'s transaction when it commits (called by `cache.bump`)."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    if engine.dialect.name == "postgresql":
        session.execute(_NOTIFY)  # delivered at the commit; a rollback drops it
    session.info[PENDING] = hint_path(engine) or ""


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    path = session.info.pop(PENDING, None)
    if path is None:
        return
    _mark[0] = next(_count)
    if path:
        touch(path)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction: SessionTransaction) -> None:
    """A rolled-back transaction signals nothing (a rolled-back savepoint's bump is signalled
    with the outer commit: one read too many at worst)."""
    if previous_transaction.parent is None:
        session.info.pop(PENDING, None)


def _open(path: str) -> int:
    """The hint file, opened for writing (created with the database file's permission bits)."""
    try:
        mode = os.stat(path[: -len(HINT_SUFFIX)]).st_mode & 0o666
    except OSError:
        mode = 0o600
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, mode)


def touch(path: str) -> None:
    """Write new bytes into the hint file. Called after a commit: nothing may escape (a reader
    that misses it reads again within the recheck bound)."""
    try:
        fd = _open(path)
        try:
            os.pwrite(fd, os.urandom(SIZE), 0)
        finally:
            os.close(fd)
    except OSError as error:
        log.warning("directory version: change hint not written (%s)", type(error).__name__)


class Hint:
    """A process's view of a hint file: mapped once (again in a forked process, and after
    `moved`). A file that cannot be opened or mapped gives None (`read`): the state is then
    read on every request."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._map: mmap.mmap | None = None
        self._pid = 0
        self._inode = 0
        self._lock = threading.Lock()
        self._warned = False

    def read(self) -> bytes | None:
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._remap()
        found = self._map
        return None if found is None else found[:SIZE]

    def moved(self) -> bool:
        """The file mapped is no longer the one at the path (deleted or replaced): map it
        again on the next read."""
        try:
            moved = os.stat(self.path).st_ino != self._inode
        except OSError:
            moved = True
        if moved:
            self._pid = 0
        return moved

    def _remap(self) -> None:
        self.close()
        self._pid = os.getpid()
        try:
            fd = _open(self.path)
            try:
                if os.fstat(fd).st_size < SIZE:
                    os.ftruncate(fd, SIZE)  # zeros: a reader racing this sees a change, no more
                self._inode = os.fstat(fd).st_ino
                self._map = mmap.mmap(fd, SIZE, mmap.MAP_SHARED, mmap.PROT_READ)
            finally:
                os.close(fd)
        except (OSError, ValueError) as error:
            if not self._warned:  # tried again after every recheck bound: said once
                self._warned = True
                log.warning(
                    "directory version: no change hint (%s), reading the version on every request",
                    type(error).__name__,
                )

    def close(self) -> None:
        found, self._map = self._map, None
        if found is not None:
            with contextlib.suppress(Exception):
                found.close()
