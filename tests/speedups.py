"""Test-only caches that make each test's fresh application cheap, without changing behaviour.

Every test builds its own app (`tests/conftest.py`), and most of `create_app`'s CPU time went to
werkzeug compiling a URL builder per route and app (about 190 routes, two builders each: an AST
built, walked and compiled, ~0.2 s of a 0.3 s app on a quiet machine); Jinja compiled every
template again for each app that rendered it. Both results are pure functions of their input
(the rule's parsed form; the template's source), so they are cached for the process:

- `Rule.compile`'s parse of the rule text (its parts for the matcher, its trace and the names and
  arguments of its converters) is kept per rule text and map settings; each rule still gets its
  own converter objects, made by its own map. That parse was about 40 % of a fresh app's CPU time.
- `Rule._compile_builder` results are kept per rule signature. The generated function reads the
  rule's converters through its bound `self` at call time, so one function serves every app.
- Each app's engine (its own pool and connections) takes the dialect and compiled-SQL cache of the
  first engine made for the same URL and options: SQLAlchemy keys compiled statements by dialect
  instance, so every new engine compiled each statement again (about a quarter of the CPU time of
  a typical small test). One long-lived engine in production keeps them the same way. The
  shared dialect asks the server what it needs (version, default schema, string quoting) on the
  first connection of the process only: every new engine did so again, a few queries per test.
- Each app's Jinja environment gets a shared in-memory bytecode cache (keyed by template name and
  a checksum of its source, so an edited template is compiled again).

- The test client's multipart bodies use one boundary per process instead of a new random one per
  request: werkzeug's parser compiles two regular expressions around the boundary, and with a new
  boundary each request missed `re`'s cache (about 5 % of the hostile-input battery's CPU time).
  The bytes the app parses are the same but for the boundary string.

And one cost is a parameter, not a result: argon2id at the production cost (t=2, m=19 MiB, about
60 ms per hash or check) made every `make_user` and every login form slow. Tests hash with t=1 and
1 MiB (the same algorithm, salt and code paths, about 1 ms); tests/core/test_speedups.py checks that
production keeps the OWASP parameters and that the cached builders equal werkzeug's own.

`install()` is called once by tests/conftest.py, for every app the test process builds.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from jinja2 import BytecodeCache
from werkzeug import test as werkzeug_test
from werkzeug.routing.rules import Rule

from portal.auth import passwords

_original_compile_builder = Rule._compile_builder
_original_compile = Rule.compile
_original_create_jinja_environment = Flask.create_jinja_environment
_original_make_engine = SQLAlchemy._make_engine
_original_stream_encode_multipart = werkzeug_test.stream_encode_multipart
# Random per process, as werkzeug's own (time and random()); fixed within it.
BOUNDARY = f"---------------WerkzeugFormPart_{secrets.token_hex(16)}"
_builders: dict[tuple, object] = {}
_parsed: dict[tuple, tuple] = {}
_lock = threading.Lock()


def _signature(rule: Rule, append_unknown: bool) -> tuple:
    """Everything `_compile_builder` reads: the rule text and defaults, the map's converters."""
    rule_map = rule.map
    return (
        append_unknown,
        rule.rule,
        rule.subdomain,
        rule.host,
        rule.merge_slashes,
        rule_map.host_matching,
        tuple(
            sorted((str(k), type(v).__name__, repr(v)) for k, v in (rule.defaults or {}).items())
        ),
        tuple(rule_map.converters.items()),
    )


def _cached_compile_builder(self: Rule, append_unknown: bool = True):
    key = _signature(self, append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _original_compile_builder(self, append_unknown)
        with _lock:
            _builders.setdefault(key, builder)
    return builder


def _stream_encode_multipart(values, use_tempfile=True, threshold=1024 * 500, boundary=None):
    """werkzeug.test.stream_encode_multipart with the process's boundary unless one is given."""
    return _original_stream_encode_multipart(
        values, use_tempfile=use_tempfile, threshold=threshold, boundary=boundary or BOUNDARY
    )


def _cached_compile(self: Rule) -> None:
    """`Rule.compile` with the parse of the rule text cached (see the module docstring)."""
    rule_map = self.map
    assert rule_map is not None, "rule not bound"
    key = (
        self.rule,
        (self.host if rule_map.host_matching else self.subdomain) or "",
        rule_map.host_matching,
        self.merge_slashes,
        tuple(rule_map.converters.items()),
    )
    parsed = _parsed.get(key)
    if parsed is None:
        converters: list[tuple] = []
        get_converter = self.get_converter

        def recording(variable_name, converter_name, args, kwargs):
            converters.append((variable_name, converter_name, args, dict(kwargs)))
            return get_converter(variable_name, converter_name, args, kwargs)

        self.get_converter = recording  # type: ignore[method-assign]
        try:
            _original_compile(self)
        finally:
            del self.get_converter
        with _lock:
            _parsed.setdefault(key, (tuple(self._parts), tuple(self._trace), tuple(converters)))
        return
    parts, trace, converters = parsed
    self._parts = list(parts)
    self._trace = list(trace)
    self._converters = {
        name: self.get_converter(name, converter, args, kwargs)
        for name, converter, args, kwargs in converters
    }
    self.arguments.update(self._converters)
    self._build = self._compile_builder(False).__get__(self, None)
    self._build_unknown = self._compile_builder(True).__get__(self, None)


_shared_sql: dict[tuple, tuple] = {}


def _make_engine_sharing_compiled_sql(self, bind_key, options, app):
    """Flask-SQLAlchemy's engine, with the dialect and compiled-SQL cache of the first engine made
    for the same URL and options in this process (see the module docstring)."""
    engine = _original_make_engine(self, bind_key, options, app)
    key = (
        type(engine.dialect),
        engine.url.render_as_string(hide_password=False),
        tuple(sorted((k, repr(v)) for k, v in options.items() if k not in ("creator", "url"))),
    )
    with _lock:
        shared = _shared_sql.get(key)
        if shared is None:
            shared = _shared_sql[key] = (engine.dialect, engine._compiled_cache)
            engine.dialect.initialize = _initialize_once(engine.dialect)  # type: ignore[method-assign]
        else:
            # The engine's own dialect is dropped below, but its first connection would still
            # initialize it (a few queries to the server per engine, so per test): initialize
            # the shared one instead, once.
            engine.dialect.initialize = shared[0].initialize  # type: ignore[method-assign]
    engine.dialect, engine._compiled_cache = shared
    engine.pool._dialect = shared[0]
    return engine


def _initialize_once(dialect):
    """`dialect.initialize` that asks the server only on the first connection that calls it.

    What it learns (server version, default schema, string quoting, hstore support) is the same
    for every engine of one URL and options; each engine still sets up its own connections
    (`on_connect`)."""
    done = threading.Event()
    lock = threading.Lock()
    initialize = dialect.initialize

    def initialize_once(connection) -> None:
        if done.is_set():
            return
        with lock:
            if not done.is_set():
                initialize(connection)
                done.set()

    return initialize_once


class MemoryBytecodeCache(BytecodeCache):
    """Jinja bytecode shared by every app of this process (Jinja checks the source checksum)."""

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        data = self._store.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


BYTECODE = MemoryBytecodeCache()


# The production hasher's parameters, before install() lowers them (tests/core/test_speedups.py).
PRODUCTION_PARAMETERS = passwords.hasher._parameters
TEST_PARAMETERS = dataclasses.replace(PRODUCTION_PARAMETERS, time_cost=1, memory_cost=1024)


def install() -> None:
    """Cache URL builders and template bytecode, fix the multipart boundary, lower the argon2
    cost (idempotent).

    The hasher object is changed in place because portal.auth.mfa imports it by name.
    """
    Rule._compile_builder = _cached_compile_builder
    Rule.compile = _cached_compile
    Flask.create_jinja_environment = _jinja_environment_with_shared_bytecode
    werkzeug_test.stream_encode_multipart = _stream_encode_multipart
    SQLAlchemy._make_engine = _make_engine_sharing_compiled_sql  # type: ignore[method-assign]
    if passwords.hasher._parameters != TEST_PARAMETERS:
        passwords.hasher._parameters = TEST_PARAMETERS
        passwords._DUMMY_HASH = passwords.hasher.hash("dummy password for timing equalisation")


def _jinja_environment_with_shared_bytecode(app):
    environment = _original_create_jinja_environment(app)
    environment.bytecode_cache = BYTECODE
    return environment
