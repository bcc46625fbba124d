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
