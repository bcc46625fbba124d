"""An exclusive lock on a file (`flock`), released when the holder lets go or its process dies.

For what must not run twice at once on one host with a SQLite database (one host by nature):
the review sync's run lock (portal/reviews/runlock.py) and the directory's build lock
(portal/directory/prebuild.py). PostgreSQL uses advisory locks instead.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MODE = 0o600  # the lock file: the portal user only


@contextmanager
def file_lock(path: str | Path, *, wait: bool = False) -> Iterator[bool]:
    """Hold an exclusive lock on `path` (created if missing); yields False when `wait` is off
    and another holder (another process, or another open of the file) has it. `wait=True`
    blocks until the lock is free and always yields True."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, MODE)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
