"""`/metrics`: Prometheus exposition behind a bearer token (METRICS_TOKEN; 404 without one).

Request latency, ledenzoeker cache look-ups and failed logins are counted in the workers
(`portal.core.metrics`); with PROMETHEUS_MULTIPROC_DIR set (gunicorn, see gunicorn.conf.py) every
worker writes its values there and a scrape adds them up. Queue depths and review-sync outcomes
are read from the database at scrape time: jobs run from timers on any host, and the database
is what they share. Example alert rules: deploy/prometheus-alerts.yml.
"""

from __future__ import annotations

import hmac
import os
import time
from typing import Any

from flask import Flask, Response, abort, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

from portal.config import ObservabilitySettings
from portal.core import metrics
from portal.extensions import limiter
from portal.ops import queues
from portal.ops.blueprint import bp

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def register(app: Flask) -> None:
    """The endpoint, and the timing hooks (registered first, so they time the other hooks)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)
    # after_request hooks run in reverse order of registration: the first one runs last.
    app.after_request_funcs.setdefault(None, []).insert(0, _observe)


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response):
    started = g.pop("metrics_started", None)
    if started is not None:
        endpoint = request.endpoint or "unmatched"
        # Labels come from fixed sets: a client must not be able to mint new series.
        method = request.method if request.method in METHODS else "other"
        key = (endpoint, method, f"{response.status_code // 100}xx")
        series = _SERIES.get(key)
        if series is None:
            series = _SERIES[key] = (
                metrics.REQUEST_SECONDS.labels(endpoint, method),
                metrics.REQUESTS.labels(*key),
            )
        series[0].observe(time.perf_counter() - started)
        series[1].inc()
    return response


# _observe: the labelled series per (endpoint, method, status class), looked up once per process
# (`labels` checks and locks on every call). A fixed set: endpoints, METHODS and classes.
_SERIES: dict[tuple[str, str, str], tuple[Any, Any]] = {}


def authorized(header: str, token: str) -> bool:
    """Whether an Authorization header carries the bearer token (constant-time compare)."""
    scheme, _, given = header.partition(" ")
    # Bytes: compare_digest refuses non-ASCII str (a header like "Bearer é" must be a 401, not a 500).
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8", "surrogateescape"), token.encode("utf-8")
    )


@bp.get("/metrics", endpoint="metrics")
@limiter.exempt
def scrape():
    """The metrics, for a scraper that sends `Authorization: Bearer <METRICS_TOKEN>`.

    :raises NotFound: no METRICS_TOKEN is configured (the endpoint is off).
    """
    token = ObservabilitySettings.of().metrics_token
    if not token:
        abort(404)
    if not authorized(request.headers.get("Authorization", ""), token):
        return Response(
            "401 Unauthorized\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'},
            mimetype="text/plain",
        )  # fmt: skip
    body = generate_latest(process_registry()) + generate_latest(queues.registry())
    response = Response(body, 200, {"Content-Type": CONTENT_TYPE_LATEST})
    response.headers["Cache-Control"] = "no-store"
    return response


def process_registry() -> CollectorRegistry:
    """All workers' values (multiprocess mode), or this process's default registry."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY
