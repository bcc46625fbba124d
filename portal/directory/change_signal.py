"""The directory's change signal: a process reads the directory state again only when it may
have changed (`request_state.request_generation`).

- PostgreSQL: `cache.bump` sends NOTIFY on CHANNEL inside its transaction, so it is delivered
  exactly at the commit and never for a rolled-back bump; in each process a thread LISTENs on
  a connection of its own (`signal_listener`).
- SQLite (one host): after the commit the bumping process writes 8 new random bytes into the
  hint file next to the database (`hint_path`, created by writers only); readers keep it open
  read-only (`Hint`) and compare its bytes, read before the state row, with those read before
  the row they hold. Any difference (a torn write, a truncated file too) only means one more
  read.
- This process: every committed bump moves `local_mark` on, seen by its next request at once.

A signal can be lost (a writer outside the portal, a database restore, LISTEN behind PgBouncer
in transaction mode): DIRECTORY_VERSION_RECHECK_SECONDS bounds how long a process trusts the
state it read without one.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import stat
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


def _database_stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path[: -len(HINT_SUFFIX)])
    except OSError:
        return None


def _open(path: str) -> int:
    """The hint file, opened for writing; created (writers only) with the database file's
    permission bits, never through a symbolic link."""
    found = _database_stat(path)
    mode = 0o600 if found is None else found.st_mode & 0o666
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, mode)


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


class UntrustedHint(OSError):
    """A hint path that is no regular file, or a file others could write (o+w, or owned by
    another user than the database file)."""


class Hint:
    """A process's view of a hint file: a read-only descriptor, opened once (again in a
    forked process, and after `moved`), read with pread. Readers never create or change the
    file. A file that is missing, cannot be opened, or could be written by someone the
    database file does not trust gives None (`read`): the state is then read on every
    request. A short read (a truncated file) gives b"" and so counts as a change."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None
        self._pid = 0
        self._inode = 0
        self._lock = threading.Lock()
        self._warned = False

    def read(self) -> bytes | None:
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._reopen()
        fd = self._fd
        if fd is None:
            return None
        try:
            found = os.pread(fd, SIZE, 0)
        except OSError:
            return None
        return found if len(found) == SIZE else b""

    def moved(self) -> bool:
        """The file open is no longer the one at the path (deleted or replaced), or none is
        open: open it again on the next read."""
        try:
            moved = self._fd is None or os.stat(self.path).st_ino != self._inode
        except OSError:
            moved = True
        if moved:
            self._pid = 0
        return moved

    def _reopen(self) -> None:
        self.close()
        self._pid = os.getpid()
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
            try:
                found = os.fstat(fd)
                database = _database_stat(self.path)
                if (
                    not stat.S_ISREG(found.st_mode)
                    or found.st_mode & 0o002
                    or database is None
                    or found.st_uid != database.st_uid
                ):
                    raise UntrustedHint
                self._inode = found.st_ino
            except BaseException:
                os.close(fd)
                raise
            self._fd = fd
        except OSError as error:
            if not self._warned:  # tried again after every recheck bound: said once
                self._warned = True
                log.warning(
                    "directory version: no change hint (%s), reading the version on every request",
                    type(error).__name__,
                )

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
