"""Test-only caches that make each test's fresh application cheap, without changing behaviour.

Every test builds its own app (`tests/conftest.py`), and most of `create_app`'s CPU time went to
werkzeug compiling a URL builder per route and app (about 190 routes, two builders each: an AST
built, walked and compiled, ~0.2 s of a 0.3 s app on a quiet machine); Jinja compiled every
template again for each app that rendered it. Both results are pure functions of their input
(the rule's parsed form; the template's source), so they are cached for the process:

- `Rule._compile_builder` results are kept per rule signature. The generated function reads the
  rule's converters through its bound `self` at call time, so one function serves every app.
- Each app's Jinja environment gets a shared in-memory bytecode cache (keyed by template name and
  a checksum of its source, so an edited template is compiled again).

And one cost is a parameter, not a result: argon2id at the production cost (t=2, m=19 MiB, about
60 ms per hash or check) made every `make_user` and every login form slow. Tests hash with t=1 and
1 MiB (the same algorithm, salt and code paths, about 1 ms); tests/core/test_speedups.py checks that
production keeps the OWASP parameters and that the cached builders equal werkzeug's own.

`install()` is called once by tests/conftest.py, for every app the test process builds.
"""

from __future__ import annotations

import dataclasses
import threading

from flask import Flask
from jinja2 import BytecodeCache
from werkzeug.routing.rules import Rule

from portal.auth import passwords

_original_compile_builder = Rule._compile_builder
_original_create_jinja_environment = Flask.create_jinja_environment
_builders: dict[tuple, object] = {}
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
        tuple(sorted(rule_map.converters.items())),
    )


def _cached_compile_builder(self: Rule, append_unknown: bool = True):
    key = _signature(self, append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _original_compile_builder(self, append_unknown)
        with _lock:
            _builders.setdefault(key, builder)
    return builder


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
    """Cache URL builders and template bytecode, lower the argon2 cost (idempotent).

    The hasher object is changed in place because portal.auth.mfa imports it by name.
    """
    Rule._compile_builder = _cached_compile_builder
    Flask.create_jinja_environment = _jinja_environment_with_shared_bytecode
    if passwords.hasher._parameters != TEST_PARAMETERS:
        passwords.hasher._parameters = TEST_PARAMETERS
        passwords._DUMMY_HASH = passwords.hasher.hash("dummy password for timing equalisation")


def _jinja_environment_with_shared_bytecode(app):
    environment = _original_create_jinja_environment(app)
    environment.bytecode_cache = BYTECODE
    return environment
