"""gunicorn settings for `make run` and the benchmarks: `gunicorn -c gunicorn.conf.py ...`.

No `Server` header (SECURITY.md §1: no server version). gunicorn 27 has no setting for it: its HTTP/1
`Response.default_headers()` always writes `Server: gunicorn`. gunicorn executes this file in the
master before it forks the workers, so replacing that method here covers every worker. (HTTP/2,
whose response adds the header separately, is not enabled; TLS ends at the proxy.)
"""

from gunicorn.http import wsgi as _gunicorn_wsgi


def _without_server_header(default_headers):
    def headers(self):
        return [line for line in default_headers(self) if not line.lower().startswith("server:")]

    headers.drops_server_header = True
    return headers


if not getattr(_gunicorn_wsgi.Response.default_headers, "drops_server_header", False):
    _gunicorn_wsgi.Response.default_headers = _without_server_header(
        _gunicorn_wsgi.Response.default_headers
    )

# gunicorn checks every response header pair on every response (name a token, value without
# control characters, hop-by-hop names dropped): about 1.5 µs a pair, 10 pairs on a ledenzoeker
# fragment, most of them the same on every answer (security headers, Vary, Content-Type). A pair it
# accepted once is accepted again, so the pairs of those names are kept after their first check
# (at most KEPT_PAIRS; per-answer values such as ETag or Set-Cookie are never kept) and appended
# as gunicorn would; every other pair, and every pair of another type than a tuple of two str,
# takes gunicorn's own check. What goes on the wire does not change (issue 19).
KEPT_HEADER_NAMES = frozenset({
    "content-type", "vary", "cache-control", "content-security-policy",
    "strict-transport-security", "x-content-type-options", "x-frame-options", "referrer-policy",
})  # fmt: skip
KEPT_PAIRS = 256


def _keeping_checked_pairs(process_headers):
    accepted: dict = {}

    def headers(self, pairs):
        for pair in pairs:
            if type(pair) is tuple and len(pair) == 2:
                kept = accepted.get(pair) if type(pair[0]) is str and type(pair[1]) is str else None
                if kept is not None:
                    self.headers.append(kept)
                    continue
                before = len(self.headers)
                process_headers(self, (pair,))
                if (
                    len(self.headers) == before + 1
                    and type(pair[0]) is str
                    and type(pair[1]) is str
                    and pair[0].lower() in KEPT_HEADER_NAMES
                    and len(accepted) < KEPT_PAIRS
                ):
                    accepted[pair] = self.headers[-1]
            else:
                process_headers(self, (pair,))

    headers.keeps_checked_pairs = True
    return headers


if not getattr(_gunicorn_wsgi.Response.process_headers, "keeps_checked_pairs", False):
    _gunicorn_wsgi.Response.process_headers = _keeping_checked_pairs(
        _gunicorn_wsgi.Response.process_headers
    )

# Access log lines never hold an e-mailed reset or activation token (SECURITY.md §5).
logger_class = "portal.core.accesslog.MaskingLogger"


# Prometheus multiprocess mode (portal/ops/metrics.py): with PROMETHEUS_MULTIPROC_DIR set, every
# worker writes its metric values into that directory. It must start empty (values of a previous
# master would be added in), and a worker that exits hands its live values over.
def on_starting(server):
    import os
    from pathlib import Path

    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()


def child_exit(server, worker):
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
