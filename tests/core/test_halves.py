"""The PostgreSQL half leaves only tests that never reach the test database to the SQLite half
(tests/halves.py), and the guard fails one that does after all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import conftest, halves

TESTS = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("module", "reaches"),
    [
        ("core/test_static_gate.py", False),  # reads source files only
        ("reviews/test_contract.py", False),  # parses provider payloads
        ("compliance/test_member_sync.py", True),  # reads the test database URL
        ("core/test_ratelimit_store.py", True),  # builds apps and subprocesses
        ("migrations/test_migrations.py", True),
    ],
)
def test_modules_that_name_the_database_stay_in_both_halves(module, reaches):
    assert halves.file_reaches_database(TESTS / module) is reaches


def test_a_helper_module_that_names_the_database_counts(tmp_path):
    helper = TESTS / "battery" / "routes.py"  # imported by battery tests; builds the world
    assert halves.file_reaches_database(helper)


class _Item:
    """What `halves.reaches_database` reads of a collected test, for a made-up one."""

    def __init__(self, fixturenames: tuple[str, ...], markers: tuple[str, ...]) -> None:
        self.fixturenames = fixturenames
        self.markers = markers
        self.path = TESTS / "migrations" / "test_migrations.py"  # names the database

    def get_closest_marker(self, name: str):
        return pytest.mark.own_database.mark if name in self.markers else None


@pytest.mark.parametrize(
    ("fixturenames", "markers", "reaches"),
    [
        (("tmp_path",), (), True),  # its module names the database
        (("tmp_path",), ("own_database",), False),  # left to the SQLite half
        (("app", "tmp_path"), ("own_database",), True),  # an app on the test database
        (("battery_app",), ("browser",), True),
    ],
)
def test_own_database_tests_are_left_to_the_sqlite_half_unless_they_use_the_app(
    fixturenames, markers, reaches
):
    assert halves.reaches_database(_Item(fixturenames, markers)) is reaches


def test_the_guard_records_a_database_free_test_asking_for_the_database():
    conftest._guarded.append("a test")
    try:
        conftest.database_url_for_tests()
        conftest.base_config()
        conftest.base_config(SQLALCHEMY_DATABASE_URI="sqlite:////tmp/own.db")
        seen = conftest._guard_violations[:]
    finally:
        conftest._guarded.clear()
        conftest._guard_violations.clear()
    assert seen == ["database_url_for_tests()", "an app on the test database"]


def test_outside_a_guarded_test_nothing_is_recorded():
    conftest.database_url_for_tests()
    conftest.base_config()
    assert conftest._guard_violations == []


CHILD = """
import os, sqlalchemy
url = os.environ.get("TEST_DATABASE_URL", "sqlite://")  # in-memory SQLite when unset
sqlalchemy.create_engine(url, connect_args={"connect_timeout": 10}).connect()
"""


@pytest.mark.own_database
def test_a_child_of_a_guarded_test_cannot_take_the_test_database_from_its_environment():
    """The guard cannot see child processes: they inherit a test database URL that refuses."""
    assert conftest._guarded  # left to the SQLite half, so guarded
    assert os.environ["TEST_DATABASE_URL"] == conftest.GUARD_DATABASE_URL
    child = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120, check=False
    )
    assert child.returncode != 0
    assert "OperationalError" in child.stderr and "port 1 failed" in child.stderr
