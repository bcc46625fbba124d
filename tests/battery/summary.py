"""Session-wide collector of battery case counts, printed as a table at the end of the run.

Families call `record(family, cases, failures)`. Under pytest-xdist each worker ships its totals to
the controller (workeroutput), which merges them before printing. The hooks at the bottom are
registered by tests/battery/conftest.py. The xdist controller does not load that conftest when it
runs the whole suite, so tests/conftest.py should list this module in `pytest_plugins`.
"""

from __future__ import annotations

import contextlib
import json
import threading

import pytest

_lock = threading.Lock()
_counts: dict[str, list[int]] = {}
_printed = False
_WORKER_KEY = "battery_summary"


def record(family: str, cases: int, failures: int = 0) -> None:
    """Add `cases` run and `failures` found to `family`'s running totals."""
    with _lock:
        entry = _counts.setdefault(family, [0, 0])
        entry[0] += cases
        entry[1] += failures


@contextlib.contextmanager
def case(family: str):
    """Count one case of `family`, and a failure when an assertion escapes the block."""
    try:
        yield
    except AssertionError:
        record(family, 1, 1)
        raise
    record(family, 1, 0)


def snapshot() -> dict[str, tuple[int, int]]:
    """A copy of the totals, family -> (cases, failures)."""
    with _lock:
        return {family: (c, f) for family, (c, f) in _counts.items()}


def reset() -> None:
    """Forget all totals."""
    with _lock:
        _counts.clear()


def table() -> list[str]:
    """The totals as aligned text lines, one per family plus a total line."""
    rows = sorted(snapshot().items())
    if not rows:
        return []
    width = max(len("family"), *(len(name) for name, _ in rows))
    lines = [f"{'family':<{width}}  {'cases':>7}  {'failures':>8}"]
    total_cases = total_failures = 0
    for name, (cases, failures) in rows:
        lines.append(f"{name:<{width}}  {cases:>7}  {failures:>8}")
        total_cases += cases
        total_failures += failures
    lines.append(f"{'total':<{width}}  {total_cases:>7}  {total_failures:>8}")
    return lines


def pytest_sessionfinish(session):
    """On an xdist worker, hand the totals to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[_WORKER_KEY] = json.dumps(snapshot())


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """On the xdist controller, merge a finished worker's totals."""
    data = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    for family, (cases, failures) in json.loads(data or "{}").items():
        record(family, cases, failures)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print cases run and failures found per battery family (once)."""
    global _printed
    lines = table()
    if _printed or not lines or hasattr(config, "workerinput"):
        return
    _printed = True
    terminalreporter.section("security battery summary")
    for line in lines:
        terminalreporter.write_line(line)
