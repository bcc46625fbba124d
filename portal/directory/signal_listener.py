"""The PostgreSQL side of the directory's change signal: one daemon thread per process and
database that LISTENs on a connection of its own and counts the notifications it receives.

The request's kept connection (`request_state.Kept`) never LISTENs: a connection that is
only read during ledenzoeker requests would leave notifications unread while its worker is
idle, until the server blocks on writing to it (ClientWrite), holding the NOTIFY queue's tail
and so failing every later NOTIFY once the queue is full. This thread reads its socket all
the time. A request trusts the state it holds only while the listener `listening` and its
`count` (one more per notification and per (re)connect) is the one taken before that state was
read; a silent dead listener is bounded by DIRECTORY_VERSION_RECHECK_SECONDS all the same.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from typing import Any

from sqlalchemy import Engine

from portal.directory import change_signal

log = logging.getLogger(__name__)
WAIT = 1.0  # seconds between looks at the stop flag while waiting for notifications
BACKOFF = 1.0  # seconds before the first reconnect after a failure, doubled up to BACKOFF_MAX
BACKOFF_MAX = 30.0


class Listener:
    """The listening thread of one database in this process: started on first use (`ensure`),
    started again in a forked process (the parent's thread and connection are not its own)."""

    def __init__(self) -> None:
        self.count = 0  # moves on with every notification and every (re)connect
        self.listening = False  # LISTEN in place on a live connection
        self.backend_pid = 0  # the server process of that connection (PostgreSQL's)
        self._pid = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def ensure(self, reader: Engine) -> None:
        """Run the thread in this process, on connections of `reader` (`cache.reader`: the
        app's connect arguments and keepalives)."""
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self.listening = False
            self.count += 1
            self._stop = threading.Event()
            thread = threading.Thread(
                target=self._run, args=(reader, self._stop), name="directory-listener", daemon=True
            )
            thread.start()

    def stop(self) -> None:
        """End the thread (within WAIT seconds); `ensure` starts another."""
        with self._lock:
            self._stop.set()
            self.listening = False
            self._pid = 0

    def _run(self, reader: Engine, stop: threading.Event) -> None:
        delay, warned = BACKOFF, False
        while not stop.is_set():
            connection: Any = None
            try:
                pooled = reader.raw_connection()
                pooled.detach()
                connection = pooled.dbapi_connection
                connection.autocommit = True
                connection.execute(change_signal.LISTEN)
                self.backend_pid = connection.info.backend_pid
                self.count += 1  # what was read before this connection may have missed one
                self.listening = True
                delay, warned = BACKOFF, False
                while not stop.is_set():
                    for _notify in connection.notifies(timeout=WAIT):
                        self.count += 1
                    if connection.closed or connection.broken:
                        raise ConnectionError("listening connection closed")
            except Exception as error:  # any failure: listen again later
                self.listening = False
                if not warned and not stop.is_set():  # once per run of failures
                    warned = True
                    log.warning(
                        "directory version: change listener failed (%s), reconnecting",
                        type(error).__name__,
                    )
            finally:
                self.listening = False
                if connection is not None:
                    with contextlib.suppress(Exception):
                        connection.close()
            if stop.wait(delay):
                break
            delay = min(delay * 2, BACKOFF_MAX)
