"""Local emulator of the Klantenvertellen/Kiyoh and Feedback Company APIs (PROVIDERS.md §6).

Run: `python -m portal.dev.provider_emulator --host 127.0.0.1 --port 5055` (werkzeug, threaded).
Valid credentials: KV token `emu-<locationId>`, feed hash `emu-feed-<locationId>` (the older
`/v1/review/feed.json|xml`; ids `xml-…` serve only feed.xml), FBC secret `emu-<clientId>`; every id gets
deterministic figures. Faults: `POST /_emulator/faults` `{"target": "<id>" | "*", "mode": "…",
"times": 2}` (no `times` = permanent), `DELETE /_emulator/faults` resets, env `EMULATOR_FAULT`
sets a global default, ids `fault-<mode>` always fail that way. `EMULATOR_SLOW_SECONDS`
(default 10) is the delay of `slow`/`timeout`; `trickle` drips its body over three times that;
`POST /_emulator/release` ends those waits at once and returns when no provider call is still
being answered (tests release before they look at what the emulator received). `EMULATOR_LATENCY`
adds a fixed delay to every provider call.
Received invites: `GET /_emulator/invites`. Dev/test tool only: production never imports it.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.serving import BaseWSGIServer, make_server

from portal.dev import emulator_fbc, emulator_feed, emulator_kv
from portal.dev.emulator_data import FAULT_MODES, FaultBoard
from portal.dev.emulator_faults import board, json_reply


def set_fault() -> Response:
    """POST /_emulator/faults: set a fault rule for one id or for all ("*")."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_reply({"error": "JSON object expected"}, 400)
    target, mode, times = body.get("target"), body.get("mode"), body.get("times")
    if not isinstance(target, str) or not target or mode not in FAULT_MODES:
        return json_reply(
            {"error": "target and a known mode are required", "modes": FAULT_MODES}, 400
        )
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        return json_reply({"error": "times must be a positive integer"}, 400)
    board().set_rule(target, mode, times)
    return json_reply({"target": target, "mode": mode, "times": times})


def reset_faults() -> Response:
    """DELETE /_emulator/faults: clear rules, token-expiry marks and received invites."""
    board().reset()
    return json_reply({"reset": True})


def release_waits() -> Response:
    """POST /_emulator/release: answer held replies now; 200 once none is being answered."""
    settled = board().release()
    return json_reply({"settled": settled}, 200 if settled else 503)


def list_faults() -> Response:
    """GET /_emulator/faults: current rules and the env default."""
    current = board()
    with current.lock:
        rules = {t: {"mode": m, "times": n} for t, (m, n) in current.rules.items()}
    return json_reply({"default": current.default_mode, "rules": rules, "modes": FAULT_MODES})


def stats() -> Response:
    """GET /_emulator/stats: provider calls served since start (for benchmarks)."""
    return json_reply({"requests": board().requests})


def list_invites() -> Response:
    """GET /_emulator/invites: invitations received (kept in memory, never mailed)."""
    return json_reply({"invites": board().list_invites()})


ROUTES = (
    ("/v1/publication/review/external/location/statistics", ("GET",), emulator_kv.kv_statistics),
    ("/v1/publication/review/external", ("GET",), emulator_kv.kv_reviews),
    ("/v1/invite/external", ("POST",), emulator_kv.kv_invite),
    ("/v1/review/feed.json", ("GET",), emulator_feed.feed_json),
    ("/v1/review/feed.xml", ("GET",), emulator_feed.feed_xml),
    ("/api/v2/oauth2/token", ("GET",), emulator_fbc.token),
    ("/api/v2/review/summary", ("GET",), emulator_fbc.summary),
    ("/api/v2/shop/summary", ("GET",), emulator_fbc.shop_summary),
    ("/api/v2/review", ("GET",), emulator_fbc.review_list),
    ("/api/v2/orders", ("POST",), emulator_fbc.orders),
    ("/_emulator/faults", ("POST",), set_fault),
    ("/_emulator/faults", ("DELETE",), reset_faults),
    ("/_emulator/faults", ("GET",), list_faults),
    ("/_emulator/release", ("POST",), release_waits),
    ("/_emulator/invites", ("GET",), list_invites),
    ("/_emulator/stats", ("GET",), stats),
)


def create_emulator(config: Mapping | None = None) -> Flask:
    """Build the emulator app; its fault board is shared by all threads serving it."""
    app = Flask(__name__)
    app.config.update(
        EMULATOR_SLOW_SECONDS=float(os.environ.get("EMULATOR_SLOW_SECONDS", "10")),
        EMULATOR_LATENCY=float(os.environ.get("EMULATOR_LATENCY", "0")),
        JSON_SORT_KEYS=False,
    )
    if config:
        app.config.update(config)
    app.url_map.strict_slashes = False  # FBC paths work with or without the trailing slash
    app.extensions["provider_emulator"] = FaultBoard.from_env()
    if app.config.get("EMULATOR_FAULT"):
        app.extensions["provider_emulator"].default_mode = app.config["EMULATOR_FAULT"]
    for rule, methods, view in ROUTES:
        app.add_url_rule(rule, f"{view.__name__}_{methods[0].lower()}", view, methods=methods)
    app.before_request(_latency)
    app.teardown_request(_end_call)
    return app


def _latency() -> None:
    """Count provider calls; optional fixed delay per call (EMULATOR_LATENCY seconds)."""
    if request.path.startswith("/_emulator"):
        return
    board().count_request()
    board().begin_call()
    delay = current_app.config["EMULATOR_LATENCY"]
    if delay:
        time.sleep(delay)


def _end_call(_exc: BaseException | None) -> None:
    if not request.path.startswith("/_emulator"):
        board().end_call()


def make_emulator_server(host: str = "127.0.0.1", port: int = 0, **config: Any) -> BaseWSGIServer:
    """A threaded werkzeug server for the emulator (port 0: any free port); then serve_forever()."""
    return make_server(host, port, create_emulator(config or None), threaded=True)


def main(argv: list[str] | None = None) -> None:
    """Command line: serve the emulator until interrupted."""
    parser = argparse.ArgumentParser(description="Review-provider emulator (dev/test only).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args(argv)
    server = make_emulator_server(args.host, args.port)
    print(f"Provider emulator on http://{args.host}:{server.server_port}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
