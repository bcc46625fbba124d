"""Operations: health and readiness probes, Prometheus metrics, error tracking, `flask doctor`
and backups that restore (issue 22)."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Mount the probe and metrics endpoints, the request timing and the ops commands."""
    from portal.ops import commands, metrics, tracking
    from portal.ops import health as _health  # noqa: F401  (its routes are on `bp`)
    from portal.ops.blueprint import bp

    commands.register(app)
    metrics.register(app)
    tracking.init_app(app)
    app.register_blueprint(bp)
