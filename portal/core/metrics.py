"""The portal's in-process Prometheus metrics, shared by the features that count into them.

Counters and histograms live here (no Flask, no database) so a feature can count without
importing the metrics endpoint (`portal.ops.metrics`). Under gunicorn with
PROMETHEUS_MULTIPROC_DIR set, prometheus_client keeps each worker's values in files there and the
endpoint adds them up. Queue depths and sync outcomes are not counted here: the endpoint reads
them from the database at scrape time, so every host reports the same, whoever ran the job.
"""

from __future__ import annotations

import os

from prometheus_client import Counter, Histogram, disable_created_metrics

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # set for gunicorn only, never for the jobs
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
disable_created_metrics()  # no `*_created` series: they double the output and no rule uses them

# Buckets from 5 ms to 10 s: cached ledenzoeker hits take a few ms, uploads a few seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_SECONDS = Histogram(
    "portal_http_request_duration_seconds",
    "Time to answer a request, per Flask endpoint and method.",
    ["endpoint", "method"],
    buckets=LATENCY_BUCKETS,
)
REQUESTS = Counter(
    "portal_http_requests",
    "Answered requests per Flask endpoint, method and status class (2xx, 4xx, ...).",
    ["endpoint", "method", "status"],
)
DIRECTORY_CACHE = Counter(
    "portal_directory_cache_lookups",
    "Ledenzoeker page-cache look-ups (search fragments and detail pages), by result.",
    ["result"],
)
FAILED_LOGINS = Counter(
    "portal_failed_logins",
    "Login attempts refused for a wrong e-mail address or password (or an inactive account).",
)


def count_cache_lookup(*, hit: bool) -> None:
    """One ledenzoeker cache look-up."""
    DIRECTORY_CACHE.labels("hit" if hit else "miss").inc()
