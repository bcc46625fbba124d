"""This worker's one headless Debian chromium, for the Playwright tests (tests/browser/live.py)."""

from __future__ import annotations

import atexit
import fcntl
import os
import shutil
import subprocess
import tempfile
import threading

CHROMIUM = "/usr/bin/chromium"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# The switches Playwright 1.65 itself gives a headless chromium it launches (its chromiumSwitches
# plus the headless ones): the browser started below behaves like `p.chromium.launch()`'s.
PLAYWRIGHT_SWITCHES = [
    "--disable-field-trial-config",
    "--disable-background-networking",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-back-forward-cache",
    "--disable-breakpad",
    "--disable-component-extensions-with-background-pages",
    "--disable-component-update",
    "--no-default-browser-check",
    "--disable-default-apps",
    "--disable-dev-shm-usage",
    "--disable-edgeupdater",
    "--disable-extensions",
    "--disable-features=AvoidUnnecessaryBeforeUnloadCheckSync,DestroyProfileOnBrowserClose,"
    "HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,LensOverlay,MediaRouter,PaintHolding,"
    "ThirdPartyStoragePartitioning,AvoidCorsURLLoaderRestartOnRedirect,TcpPortRandomizationWin,"
    "OptimizationHints,NetworkTimeServiceQuerying,AimEnabled,PreconnectToSearch,"
    "msForceBrowserSignIn,msEdgeUpdateLaunchServicesPreferredVersion",
    "--enable-features=CDPScreenshotNewSurface,SkipListAccountsWithoutGaiaCookies",
    "--allow-pre-commit-input",
    "--disable-hang-monitor",
    "--disable-ipc-flooding-protection",
    "--disable-popup-blocking",
    "--disable-prompt-on-repost",
    "--disable-renderer-backgrounding",
    "--disable-updater-scheduler",
    "--force-color-profile=srgb",
    "--metrics-recording-only",
    "--no-first-run",
    "--password-store=basic",
    "--use-mock-keychain",
    "--no-service-autorun",
    "--disable-search-engine-choice-screen",
    "--unsafely-disable-devtools-self-xss-warnings",
    "--enable-unsafe-swiftshader",
    "--edge-skip-compat-layer-relaunch",
    "--disable-stack-profiler",
    "--disable-infobars",
    "--disable-sync",
    "--do-not-de-elevate",
    "--headless",
    "--hide-scrollbars",
    "--mute-audio",
    "--blink-settings=primaryHoverType=2,availableHoverTypes=2,primaryPointerType=4,"
    "availablePointerTypes=4",
]
STARTUP_TIMEOUT_S = 60


class _Chromium:
    """This process's one headless chromium, started on first use and reached over CDP.

    Launching chromium costs about 1.25 CPU s, a browser context (what each test gets) a small
    part of that. Playwright connects to it over CDP (`_Driver` in tests/browser/live.py, which
    also keeps the driver for the worker). Chromium also holds a DevTools pipe to this process (its fds 3 and
    4) and quits when the pipe closes, so it never outlives a worker, even one that was killed.
    """

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None
        self.endpoint = ""
        self.profile = ""
        self.pipe_ends: list[int] = []  # ours: chromium quits when they close

    def cdp_endpoint(self) -> str:
        """The running browser's DevTools websocket URL, starting chromium if needed."""
        if self.process is None or self.process.poll() is not None:
            self.stop()
            self._start()
        return self.endpoint

    def _start(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="lp-chromium-")
        commands_read, commands_write = os.pipe()  # chromium reads DevTools commands on fd 3
        replies_read, replies_write = os.pipe()  # and writes replies to fd 4
        # Above 10, so the shell's redirections to 3 and 4 cannot overwrite one another.
        child = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (commands_read, replies_write)]
        for fd in (commands_read, replies_write):
            os.close(fd)
        command = [
            CHROMIUM,
            *PLAYWRIGHT_SWITCHES,
            *CHROMIUM_ARGS,
            f"--user-data-dir={self.profile}",
            "--remote-debugging-port=0",
            "--remote-debugging-pipe",
            "--no-startup-window",
        ]
        try:
            self.process = subprocess.Popen(
                ["/bin/bash", "-c", f'exec "$@" 3<&{child[0]} 4>&{child[1]}', "bash", *command],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                pass_fds=child,
            )
        finally:
            for fd in child:
                os.close(fd)
        self.pipe_ends = [commands_write, replies_read]
        assert self.process.stderr is not None
        # A chromium that neither listens nor exits is killed, which ends the loop below.
        watchdog = threading.Timer(STARTUP_TIMEOUT_S, self.process.kill)
        watchdog.start()
        seen = []
        try:
            for line in self.process.stderr:
                if line.startswith("DevTools listening on "):
                    self.endpoint = line.removeprefix("DevTools listening on ").strip()
                    break
                seen.append(line)
            else:
                raise RuntimeError(f"chromium did not start: {''.join(seen[-20:])}")
        finally:
            watchdog.cancel()
        # Keep reading its log, or chromium blocks once the pipe buffer is full.
        threading.Thread(target=self.process.stderr.read, daemon=True).start()

    def stop(self) -> None:
        """Quit chromium (if it runs) and remove its profile."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for fd in self.pipe_ends:
            os.close(fd)
        self.pipe_ends = []
        if self.profile:
            shutil.rmtree(self.profile, ignore_errors=True)
            self.profile = ""


CHROMIUM_PROCESS = _Chromium()
atexit.register(CHROMIUM_PROCESS.stop)
