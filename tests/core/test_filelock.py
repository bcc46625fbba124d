"""One file lock for the host-local locks on SQLite (outside review: the directory's build lock
repeated the review sync's): portal/core/filelock.py, used by both."""

from __future__ import annotations

import contextlib
import stat

from sqlalchemy import create_engine

from portal.core import filelock
from portal.directory import prebuild
from portal.reviews import runlock


def test_a_second_holder_is_refused_and_the_lock_is_free_again_after(tmp_path):
    path = tmp_path / "job.lock"
    with filelock.file_lock(path) as first, filelock.file_lock(path) as second:
        assert (first, second) == (True, False)
    with filelock.file_lock(path, wait=True) as again:  # free: waiting returns at once
        assert again
    assert stat.S_IMODE(path.stat().st_mode) == filelock.MODE


def test_the_sync_run_lock_and_the_directory_build_lock_use_it(tmp_path, monkeypatch):
    seen: list[tuple[str, bool]] = []
    real = filelock.file_lock

    @contextlib.contextmanager
    def recorded(path, *, wait=False):
        seen.append((str(path), wait))
        with real(path, wait=wait) as got:
            yield got

    monkeypatch.setattr(filelock, "file_lock", recorded)
    engine = create_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    try:
        with runlock.run_lock(engine) as got:
            assert got
        with prebuild.lock(engine, 7, wait=True) as got:
            assert got
        with prebuild.lock(engine, 7, wait=False) as got:
            assert got
    finally:
        engine.dispose()
    assert [wait for _path, wait in seen] == [False, True, False]
    assert seen[0][0].endswith(".reviews-sync.lock") and seen[1][0].endswith(".lock-7")
