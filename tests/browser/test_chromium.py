"""The worker's shared chromium (tests/browser/chromium.py) runs with the switches Playwright gives a
chromium it launches itself (the browser the tests saw with one launch each), and never outlives
its worker."""

from __future__ import annotations

import asyncio
import os
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, CHROMIUM_PROCESS
from tests.browser.live import connected_browser

pytestmark = pytest.mark.browser
OURS_ONLY = {"--remote-debugging-port=0"}  # how the tests reach the shared browser
# A worker that starts its chromium, says which process it is, and waits to be killed.
WORKER = """
import sys
from tests.browser.chromium import CHROMIUM_PROCESS
CHROMIUM_PROCESS.cdp_endpoint()
print(CHROMIUM_PROCESS.process.pid, CHROMIUM_PROCESS.profile, flush=True)
sys.stdin.read()
"""


def command_line(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]


def parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        pid = parent(pid)
        if pid == ancestor:
            return True
    return False


def launched_browsers() -> dict[int, list[str]]:
    """Command lines of the chromium browser processes (not their helpers) under this process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = command_line(int(entry.name))
            if not descends_from(int(entry.name), os.getpid()):
                continue
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue  # ended meanwhile
        if args and args[0].endswith("chromium") and not any(a.startswith("--type=") for a in args):
            found[int(entry.name)] = args
    return found


def switches(args: list[str]) -> set[str]:
    return {a for a in args[1:] if not a.startswith("--user-data-dir=")}


def test_shared_chromium_has_the_switches_of_a_playwright_launch():
    with connected_browser():
        assert CHROMIUM_PROCESS.process is not None
        shared_pid = CHROMIUM_PROCESS.process.pid
        shared = switches(command_line(shared_pid))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            launched = [switches(a) for pid, a in launched_browsers().items() if pid != shared_pid]
        finally:
            browser.close()
    assert len(launched) == 1
    assert shared - OURS_ONLY == launched[0]


def test_chromium_quits_when_its_worker_is_killed():
    """A worker killed mid-run (SIGKILL: no atexit, no session end) takes its chromium along."""
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER],
        cwd=Path(__file__).resolve().parents[2],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None and worker.stdin is not None
        browser_pid, profile = worker.stdout.readline().split()
        browser = os.pidfd_open(int(browser_pid))
    finally:
        worker.kill()
        worker.wait()
    try:
        poller = select.poll()
        poller.register(browser, select.POLLIN)
        assert poller.poll(30_000), "chromium still runs 30 s after its worker was killed"
    finally:
        os.close(browser)
        shutil.rmtree(profile, ignore_errors=True)  # what a killed worker leaves behind


def test_one_playwright_per_worker_and_nothing_left_between_tests():
    """The driver and its connection are kept for the worker; a test's contexts are closed when
    it ends, and no asyncio loop is left marked as running for the tests that follow."""
    with connected_browser() as first:
        defaults = len(first.contexts)
        first.new_context().new_page()  # left open on purpose
        assert len(first.contexts) == defaults + 1
    asyncio.run(asyncio.sleep(0))
    with connected_browser() as second:
        assert second is first
        assert len(second.contexts) == defaults
