"""Which tests the PostgreSQL half of `make test` may leave to the SQLite half.

`scripts/test.sh` runs the suite twice, once per database. A test that never reaches the database
named by TEST_DATABASE_URL runs the same code on the same data in both halves, so the PostgreSQL
half deselects it (`TEST_ONLY_DATABASE_TESTS=1`, set by scripts/test.sh for that half) and prints
how many it left out. The decision is made from the source, conservatively: a test stays in
both halves when

- its fixture closure has `app` or `battery_app` (every fixture built on them too), or any other
  fixture defined under tests/ whose source (or a tests/ helper module it imports) names one of
  `DATABASE_WORDS`; or
- its module's source, or that of any tests/ helper module it imports (transitively), names one
  of `DATABASE_WORDS`: creating an app, reading or passing the test database URL, the
  database session or engine, a subprocess (it inherits the environment).

Browser tests (marker `browser`) without `app` are left to the SQLite half whatever their source
says: they seed and serve a `live_portal` (tests/browser/live.py), whose database is a file SQLite
under the test's tmp_path in both halves (the two that open that file again, for the outbox and a
status link, name it themselves). So are tests marked `own_database` (without `app`): the
processes they start (gunicorn, `flask` commands, a Python child) are given a database of the
test's own in the test's source, a file SQLite under tmp_path, in-memory SQLite or an address
that is never reached, never the test database, so the PostgreSQL half would repeat the same run
(the marker is set by hand, per test or per parameter, where that database is spelled out).

Every test left to the SQLite half is checked there as it runs (`guard` in tests/conftest.py): it
fails if it asks for the test database URL (`database_url_for_tests`) or builds an app on it
(`base_config` without a database of its own), which in the PostgreSQL half would have been
PostgreSQL. So a test the rules above misjudge fails instead of losing its PostgreSQL run. The
guard cannot see child processes, so while such a test runs TEST_DATABASE_URL names a PostgreSQL
database that refuses every connection (`conftest.GUARD_DATABASE_URL`; unset it would mean
in-memory SQLite): a child that takes the test database from the inherited variable fails loudly
instead of running on in-memory SQLite in the SQLite half and nowhere else.

Two helper modules are read by hand instead (`REVIEWED`): tests/conftest.py, whose database
fixtures all go through `app`, and tests/browser/live.py, whose live portal always serves a file
SQLite database under the test's tmp_path (`live_portal`), whatever TEST_DATABASE_URL says.
"""

from __future__ import annotations

import inspect
import re
from functools import cache
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
DATABASE_FIXTURES = frozenset({"app", "battery_app"})
DATABASE_WORDS = (
    "create_app",
    "base_config",
    "database_url_for_tests",
    "TEST_DATABASE_URL",
    "DATABASE_URL",
    "start_database",
    "SQLALCHEMY",
    "db.session",
    "db.engine",
    "portal.extensions",
    "create_engine",
    "psycopg",
    "subprocess",
    "Popen",
    "sys.executable",
    "os.environ",
    "gunicorn",
)
REVIEWED = frozenset({TESTS / "conftest.py", TESTS / "browser" / "live.py"})
_IMPORT = re.compile(
    r"^\s*(?:from\s+(tests(?:\.\w+)*)\s+import\s+([\w, ()]+)|import\s+(tests(?:\.\w+)+))", re.M
)


def _module_path(dotted: str) -> Path | None:
    base = ROOT.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_helpers(source: str) -> set[Path]:
    paths: set[Path] = set()
    for match in _IMPORT.finditer(source):
        dotted = match.group(1) or match.group(3)
        path = _module_path(dotted)
        if path is not None:
            paths.add(path)
        if match.group(2):  # from tests.x import y: y may be a module
            for name in re.findall(r"\w+", match.group(2)):
                sub = _module_path(f"{dotted}.{name}")
                if sub is not None:
                    paths.add(sub)
    return paths


@cache
def file_reaches_database(path: Path) -> bool:
    """`path` or a tests/ helper it imports (transitively) names a database word."""
    seen: set[Path] = set()
    todo = [path]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        if current in REVIEWED and current != path:
            continue
        source = current.read_text(encoding="utf-8")
        if current not in REVIEWED and any(word in source for word in DATABASE_WORDS):
            return True
        todo.extend(_imported_helpers(source))
    return False


@cache
def _helpers_of(path: Path) -> frozenset[Path]:
    return frozenset(_imported_helpers(path.read_text(encoding="utf-8")))


@cache
def _fixture_reaches_database(func) -> bool:
    try:
        path = Path(inspect.getsourcefile(func) or "").resolve()
    except TypeError:
        return False
    if not path.is_relative_to(TESTS) or path in REVIEWED:
        return False  # pytest's and plugins' fixtures (tmp_path, monkeypatch, ...); see REVIEWED
    source = inspect.getsource(func)
    if any(word in source for word in DATABASE_WORDS):
        return True
    return any(
        file_reaches_database(helper) for helper in _helpers_of(path) if helper not in REVIEWED
    )


def reaches_database(item: pytest.Item) -> bool:
    """True unless the test is known not to touch the database TEST_DATABASE_URL names."""
    if DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        return True
    if item.get_closest_marker("browser"):
        return False  # a live_portal on file SQLite (REVIEWED), checked by the guard
    if item.get_closest_marker("own_database"):
        return False  # its processes get a database named in its source, checked by the guard
    path = getattr(item, "path", None)
    if path is None or file_reaches_database(Path(path).resolve()):
        return True
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return True
    return any(
        _fixture_reaches_database(fixturedef.func)
        for fixturedefs in info.name2fixturedefs.values()
        for fixturedef in fixturedefs
    )
