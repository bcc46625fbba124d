"""`/healthz` (the process answers, no I/O) and `/readyz` (database, migrations, Redis).

Both answer JSON without secrets: only the name and state of each check, never a URL or an error
text. They are exempt from rate limits, send no cookie, are never cached, and gunicorn's access
log leaves their successful answers out (`portal.core.accesslog`). Probes from a load balancer or
systemd hit the app directly; with TRUSTED_HOSTS set they must send an allowed Host header.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import redis
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, Response, current_app, jsonify
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from portal.config import DirectorySettings
from portal.extensions import db, limiter
from portal.ops.blueprint import bp

log = logging.getLogger(__name__)
PROBE_PATHS = frozenset({"/healthz", "/readyz"})
HEADS = "ops_migration_heads"
REDIS_TIMEOUT = 1.0
PROBE_ENGINE = "ops_probe_engine"
DATABASE_TIMEOUT = 2  # seconds: connect, each statement, unacknowledged sends (PostgreSQL)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """The process is alive and serving; touches nothing outside it."""
    return _probe_response({"status": "ok"}, 200)


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """Ready for traffic: database reachable, schema at the migration head, Redis reachable."""
    checks = readiness(current_app)
    ready = all(state in ("ok", "not configured") for state in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    return _probe_response(body, 200 if ready else 503)


def _probe_response(body: dict, status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def readiness(app: Flask) -> dict[str, str]:
    """The state of each dependency: "ok", "not configured" or what is wrong (no details)."""
    checks = {"database": "ok", "migrations": "ok", "redis": redis_state(app)}
    try:
        with probe_engine(app).connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        log.warning("readiness: database unreachable (%s)", type(error).__name__)
        checks["database"] = "unreachable"
        checks["migrations"] = "unknown"
        return checks
    if current != migration_heads(app):
        checks["migrations"] = "not at head"
    return checks


def probe_engine(app: Flask) -> Engine:
    """The engine the readiness checks use. PostgreSQL: a fresh connection per probe (no pool,
    so a dead pooled connection is never reused) with short timeouts, so a database host that
    drops packets or a statement stuck behind a lock answers "unreachable" within seconds
    instead of after the TCP timeout. SQLite: the app's own engine."""
    engine = app.extensions.get(PROBE_ENGINE)
    if engine is None:
        url = db.engine.url
        if url.get_backend_name() != "postgresql":
            engine = db.engine
        else:
            millis = DATABASE_TIMEOUT * 1000
            engine = create_engine(
                url,
                poolclass=NullPool,
                connect_args={
                    "connect_timeout": DATABASE_TIMEOUT,
                    "options": f"-c statement_timeout={millis} -c lock_timeout={millis}",
                    "tcp_user_timeout": millis,
                },
            )
        app.extensions[PROBE_ENGINE] = engine
    return engine


def migration_heads(app: Flask) -> set[str]:
    """The head revision(s) of `migrations/`, read once per app."""
    heads = app.extensions.get(HEADS)
    if heads is None:
        directory = app.extensions["migrate"].directory
        heads = app.extensions[HEADS] = set(ScriptDirectory(directory).get_heads())
    return heads


def redis_urls(config: Mapping[str, Any]) -> list[str]:
    """Every Redis the app is configured to use (rate limits, ledenzoeker cache)."""
    urls = [
        DirectorySettings.of(config).cache_redis_url,
        config.get("RATELIMIT_STORAGE_URI") or "",
    ]
    return sorted({url for url in urls if url.startswith(("redis://", "rediss://", "unix://"))})


def redis_state(app: Flask) -> str:
    """ "ok" when every configured Redis answers PING, "not configured" without Redis."""
    urls = redis_urls(app.config)
    if not urls:
        return "not configured"
    for url in urls:
        client = redis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
        )
        try:
            client.ping()
        except redis.RedisError as error:
            log.warning("readiness: Redis unreachable (%s)", type(error).__name__)
            return "unreachable"
        finally:
            client.close()
    return "ok"
