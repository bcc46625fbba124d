"""Flask's `ensure_sync` answered once per function instead of on every call.

Flask passes every hook, the view and every teardown function of every request through
`ensure_sync`, which asks `inspect.iscoroutinefunction` each time (about 20 times per request
of the ledenzoeker's live search). A plain function that is not a coroutine function stays
one, so that answer is kept; coroutine functions, bound methods and other callables (made anew
on each attribute access) are asked as before.
"""

from __future__ import annotations

from collections.abc import Callable
from types import FunctionType
from typing import Any

from flask import Flask

KEPT_MAX = 4096  # a bound on the kept answers (an app has a few hundred functions at most)


def register(app: Flask) -> None:
    """Give `app` an `ensure_sync` that keeps its answer per plain function."""
    asked = app.ensure_sync
    kept: set[Callable[..., Any]] = set()

    def ensure_sync(func: Callable[..., Any]) -> Callable[..., Any]:
        plain = type(func) is FunctionType
        if plain and func in kept:
            return func
        found = asked(func)
        if plain and found is func and len(kept) < KEPT_MAX:  # async ones are wrapped each time
            kept.add(func)
        return found

    app.ensure_sync = ensure_sync  # type: ignore[method-assign]  # per app, as Flask documents overriding it
