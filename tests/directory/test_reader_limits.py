"""The ledenzoeker's readers (the reader pool and the connection kept for the directory
generation) cannot hang a request forever: a connect gives up, a silent server is noticed."""

from __future__ import annotations

import os
import socket
import threading

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from portal.core.db import READER_CONNECT_ARGS
from portal.directory import cache, request_state
from portal.extensions import db
from tests.directory.test_search import FRAGMENT, names


@pytest.fixture
def postgresql(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the readers' connection arguments are libpq's")
    return app


def test_the_kept_connection_has_keepalives_and_a_user_timeout(postgresql, client, listed):
    postgresql.config["DIRECTORY_RESULT_CACHE_SECONDS"] = 0  # a miss reads the generation first
    listed("Bakker Installaties")
    db.session.commit()
    db.session.remove()  # nothing begun: the generation is read on the kept connection
    assert names(client.get("/ledenzoeker/?q=bakker", headers=FRAGMENT)) == ["Bakker Installaties"]
    kept = postgresql.extensions[cache.READERS][db.engine, request_state.KEPT].current
    assert kept is not None
    parameters = kept.info.get_parameters()
    for name, value in READER_CONNECT_ARGS.items():
        assert parameters[name] == str(value), name
    if kept.info.host.startswith("/"):
        pytest.skip("a Unix socket: TCP options do not apply")
    sock = socket.socket(fileno=os.dup(kept.pgconn.socket))  # what the kernel was told
    try:
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 30
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == 10
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 3
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT) == 30_000
    finally:
        sock.close()  # the duplicate only


def test_a_reader_connect_to_a_server_that_never_answers_gives_up(postgresql):
    """A listener that accepts the TCP connection and never answers libpq's startup message."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    url = db.engine.url.set(host="127.0.0.1", port=silent.getsockname()[1])
    engine = create_engine(url)
    reader = cache.reader(engine)  # set up as the app's readers are
    outcome: list[BaseException] = []

    def connect() -> None:
        try:
            reader.connect().close()
        except BaseException as error:  # recorded for the test's thread
            outcome.append(error)

    worker = threading.Thread(target=connect, daemon=True)
    try:
        worker.start()
        worker.join(120)  # not a timing assertion: without a connect timeout it never ends
        assert not worker.is_alive(), "the connect waited on a silent server"
        assert len(outcome) == 1 and isinstance(outcome[0], OperationalError)
        assert "timeout" in str(outcome[0])
    finally:
        silent.close()
        engine.dispose()
