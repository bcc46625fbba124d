"""The directory's shared page cache in Redis: a hit is one MGET round trip, no SQL.

Two kinds of keys under one prefix (DIRECTORY_CACHE_REDIS_PREFIX; by default `PREFIX` with the
database's opaque key, `portal.core.db.engine_key`, so portals or a restored copy in another
database sharing one Redis never serve each other's pages):
- `<prefix>version`: the directory generation as last published (`cache.generation`'s tag: the
  version and the time of its bump); it expires after VERSION_SECONDS so that a publish lost
  while Redis was unreachable is corrected from the database within that time (a missing one
  is read from the database and set with NX).
- `<prefix>page:<sha256>`: "<tag>\\n<body>", expiring after the cache TTL. A body of another
  generation than the current one is a miss: an older version's, or after a database restore
  one of the lost history (the counter runs through its numbers again, at other times).

`cache.bump()` records the new version on the SQLAlchemy session; it is published only after
that transaction commits, so a reader never pairs a new version with uncommitted rows, and a
rolled-back bump is never published. Redis errors never fail a request: the page is rendered
without the cache and a warning is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import cast

import redis
from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from portal.core.db import AnySession, engine_key
from portal.extensions import db

log = logging.getLogger(__name__)
EXTENSION = "directory_cache_redis"
PENDING = "directory_version_pending"
PREFIX_IN_USE = "directory_cache_redis_prefix"
VERSION_SECONDS = 300
PREFIX = "ledenportaal:directory:"


def init_app(app: Flask) -> None:
    """Connect to DIRECTORY_CACHE_REDIS_URL when set (short timeouts: the cache is optional)."""
    url = app.config.get("DIRECTORY_CACHE_REDIS_URL")
    if url:
        app.extensions[EXTENSION] = redis.Redis.from_url(
            url, socket_timeout=0.5, socket_connect_timeout=0.5
        )


def client() -> redis.Redis | None:
    """The app's Redis client, or None when the cache lives in the database."""
    return current_app.extensions.get(EXTENSION) if has_app_context() else None


def _prefix() -> str:
    """The configured prefix, or `PREFIX` with the database's key (worked out once per app)."""
    found = current_app.extensions.get(PREFIX_IN_USE)
    if found is None:
        configured = current_app.config.get("DIRECTORY_CACHE_REDIS_PREFIX")
        found = configured or f"{PREFIX}{engine_key(db.engine)}:"
        current_app.extensions[PREFIX_IN_USE] = found
    return found


def fetch(
    client: redis.Redis, key: str, render: Callable[[], str], *, ttl: int,
    db_generation: Callable[[], str], basis: Callable[[], str | None] | None = None,
) -> tuple[str, str]:  # fmt: skip
    """The cached body for `key`, or `render()` stored under the generation read before it
    (never newer than `basis()`, see `cache.fetch`), with that generation's tag."""
    prefix = _prefix()
    page_key = f"{prefix}page:{key}"
    try:
        # Without decode_responses the client returns bytes.
        current, stored = cast("list[bytes | None]", client.mget(f"{prefix}version", page_key))
        if current is None:
            current = db_generation().encode()
            client.set(f"{prefix}version", current, nx=True, ex=VERSION_SECONDS)
    except redis.RedisError as error:
        log.warning(
            "directory cache: Redis unavailable (%s), rendering without it", type(error).__name__
        )
        body = render()
        return body, no_newer(db_generation(), basis)
    if stored is not None:
        stamp, _, stored_body = stored.partition(b"\n")
        if stamp == current:
            return stored_body.decode(), current.decode()
    body = render()
    published = current.decode()
    stamp_tag = no_newer(published, basis)
    try:
        if stamp_tag != published and tag_version(stamp_tag) >= tag_version(published):
            _replace(client, f"{prefix}version", published, stamp_tag)
        client.set(page_key, stamp_tag.encode() + b"\n" + body.encode(), ex=ttl)
    except redis.RedisError as error:
        log.warning(
            "directory cache: Redis unavailable (%s), page not stored", type(error).__name__
        )
    return body, stamp_tag


def stored(client: redis.Redis, key: str, *, version: int) -> str | None:
    """The body stored under `key` by `store` if built from `version` (exactly: after a database
    restore a copy from the lost history carries a higher number)."""
    page_key = f"{_prefix()}page:{key}"
    try:
        # The stamp first: a stale copy (megabytes) is not transferred.
        head = cast(bytes, client.getrange(page_key, 0, 24))
        stamp, newline, _rest = head.partition(b"\n")
        if not newline or _int(stamp) != version:
            return None
        found = cast("bytes | None", client.get(page_key))
    except redis.RedisError as error:
        log.warning("directory cache: Redis unavailable (%s)", type(error).__name__)
        return None
    if found is None:
        return None
    stamp, _, body = found.partition(b"\n")
    try:
        return body.decode() if _int(stamp) == version else None
    except UnicodeDecodeError:
        log.warning("directory cache: unreadable copy under %s ignored", key)
        return None


def stamp(client: redis.Redis, key: str) -> int | None:
    """The version `store` stamped the body under `key` with (None: none, or Redis down)."""
    try:
        head = cast(bytes, client.getrange(f"{_prefix()}page:{key}", 0, 24))
    except redis.RedisError:
        return None
    found, newline, _rest = head.partition(b"\n")
    return _int(found) if newline else None


def head(client: redis.Redis, key: str, *, size: int) -> str | None:
    """The first `size` characters of the body under `key` (None: none, unreadable, or Redis
    down)."""
    try:
        found = cast(bytes, client.getrange(f"{_prefix()}page:{key}", 0, 24 + size))
    except redis.RedisError:
        return None
    _stamp, newline, body = found.partition(b"\n")
    if not newline:
        return None
    return body[:size].decode("utf-8", errors="replace")


def drop(client: redis.Redis, key: str) -> None:
    """Remove the body under `key` (a copy that could not be read), so it is built again."""
    try:
        client.delete(f"{_prefix()}page:{key}")
    except redis.RedisError as error:
        log.warning(
            "directory cache: Redis unavailable (%s), copy not dropped", type(error).__name__
        )


def _int(stamp: bytes) -> int:
    """A stored stamp; one that is not a number (a foreign or broken entry) counts as -1, so the
    entry is never used and is built again."""
    try:
        return int(stamp)
    except ValueError:
        return -1


def store(client: redis.Redis, key: str, body: str, *, version: int, ttl: int) -> None:
    """Store `body`, built from directory `version`, under `key` (see `stored`)."""
    try:
        client.set(f"{_prefix()}page:{key}", str(version).encode() + b"\n" + body.encode(), ex=ttl)
    except redis.RedisError as error:
        log.warning(
            "directory cache: Redis unavailable (%s), copy not stored", type(error).__name__
        )


def tag_version(tag: str | bytes) -> int:
    """The version number of a generation tag (`cache.generation`); -1 for one that is not."""
    text = tag.decode("ascii", "replace") if isinstance(tag, bytes) else tag
    try:
        return int(text.partition("@")[0])
    except ValueError:
        return -1


def no_newer(tag: str, basis: Callable[[], str | None] | None) -> str:
    """The generation `tag`, or the one `basis()` says a body was built from when that is not
    newer (an older version, or the same number of another history: the database's)."""
    used = None if basis is None else basis()
    return tag if used is None or tag_version(used) > tag_version(tag) else used


def publish_after_commit(
    session: AnySession, current: Callable[[], str], *, committed: Callable[[], str]
) -> None:
    """Publish the generation `current()` reads to Redis once the session's transaction commits.

    `committed()`: the generation committed at that moment, read when Redis holds a higher
    number than `current()` (see `_publish`). Without Redis this is a no-op and neither is
    called (no extra query per bump).
    """
    if client() is not None:
        session.info[PENDING] = (current(), committed)


# Two commits may publish out of order: the version in Redis only moves forward within one
# history. The same number with another bump time is another history (a database restore):
# replaced. A higher number is answered with the tag held, for `_publish` to judge.
_PUBLISH = """
local held = redis.call('GET', KEYS[1])
local number = -1
if held then number = tonumber(string.match(held, '^%d+') or '-1') end
local new = tonumber(ARGV[2])
if (not held) or new > number or (new == number and held ~= ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
  return false
end
if new < number then return held end
return false
"""
_REPLACE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
end
"""


def _replace(found: redis.Redis, key: str, held: str | bytes, tag: str) -> None:
    """Publish `tag` in place of `held` (unless another was published meanwhile): `held` is of
    a history the database no longer has (its number is ahead of the database's, read after
    `held`, or the same number bumped at another time)."""
    found.eval(_REPLACE, 1, key, held, tag, VERSION_SECONDS)


@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if pending is not None:
        publish(*pending)


def publish(tag: str | None, committed: Callable[[], str]) -> None:
    """Publish the committed generation `tag` (see `publish_after_commit`); also by hand, after a
    database restore (`flask directory build-sets`), in place of a lost history's."""
    found = client()
    if found is None:
        return
    key = f"{_prefix()}version"
    # Called after a commit: nothing may escape (the data is committed; an exception would fail
    # a save that succeeded and leave the session unusable). Redis corrects it within the expiry.
    try:
        if tag is None:  # a savepoint rolled back after the bump: publish what was committed
            tag = committed()
        held = found.eval(_PUBLISH, 1, key, tag, tag_version(tag), VERSION_SECONDS)
        if held is not None:
            # Redis is ahead: a later commit published (same history), or a database restore
            # went back. The database, read after Redis, tells: it has at least the number.
            now = committed()
            if tag_version(now) < tag_version(held):
                _replace(found, key, held, now)
    except Exception as error:
        log.warning(
            "directory cache: version %s not published (%s); Redis corrects it within %s s",
            tag, type(error).__name__, VERSION_SECONDS,
        )  # fmt: skip


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction: SessionTransaction) -> None:
    """A rolled-back transaction publishes nothing. A rolled-back savepoint leaves the outer
    transaction's bump pending, but it may have held a later bump of its own: the generation
    published is then read after the commit."""
    if previous_transaction.parent is None:
        session.info.pop(PENDING, None)
    elif PENDING in session.info:
        session.info[PENDING] = (None, session.info[PENDING][1])
