"""Typed readers of one setting: from the environment (text) or the app config (typed values).

Each reader takes the mapping, the setting's name and its default, and returns the typed value
or raises ConfigError naming the setting. The same reader serves both sources, so a test's
`create_app({"SYNC_MAX_WORKERS": 1})` is validated exactly like `SYNC_MAX_WORKERS=1` in the
environment.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit


class ConfigError(RuntimeError):
    """The configuration is unsafe for the chosen mode, or a setting cannot be understood."""


def _raw(source: Mapping[str, Any], name: str) -> Any:
    value = source.get(name)
    if isinstance(value, str):
        value = value.strip()
    return None if value is None or value == "" else value


def text(source: Mapping[str, Any], name: str, default: str = "") -> str:
    """Free text; empty means the default."""
    value = _raw(source, name)
    return default if value is None else str(value)


def secret(source: Mapping[str, Any], name: str, default: str = "") -> str:
    """A key, token or password exactly as given (a trailing newline from a mounted file is
    part of it, as it always was: trimming would change hashes derived from it)."""
    value = source.get(name)
    return default if value is None or value == "" else str(value)


ON = frozenset({"1", "true", "yes", "on", "ja", "aan"})
OFF = frozenset({"0", "false", "no", "off", "nee", "uit"})


def flag(source: Mapping[str, Any], name: str, default: bool = False) -> bool:
    """true/false, 1/0, yes/no, on/off (or ja/nee, aan/uit), any case; unset is the default.

    Anything else is refused: a typo must not switch a safeguard such as rate limiting off.
    """
    value = _raw(source, name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    word = str(value).lower()
    if word not in ON | OFF:
        raise ConfigError(f"{name} must be true or false, got {value!r}")
    return word in ON


def whole(
    source: Mapping[str, Any],
    name: str,
    default: int,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    """A whole number, at least `minimum` and at most `maximum` when given."""
    value = _raw(source, name)
    if value is None:
        return default
    if isinstance(value, bool):
        raise ConfigError(f"{name} must be a whole number, got {value!r}")
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from exc
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name} must be {minimum} or more, got {number}")
    if maximum is not None and number > maximum:
        raise ConfigError(f"{name} must be {maximum} or less, got {number}")
    return number


def seconds(source: Mapping[str, Any], name: str, default: int, maximum: int | None = None) -> int:
    """A whole number of seconds, 0 or more."""
    return whole(source, name, default, minimum=0, maximum=maximum)


def number(
    source: Mapping[str, Any],
    name: str,
    default: float,
    maximum: float | None = None,
    positive: bool = False,
) -> float:
    """A finite number (seconds, a score), 0 or more (more than 0 when `positive`), at most
    `maximum` when given."""
    value = _raw(source, name)
    if value is None:
        return default
    try:
        result = float(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name} must be a number, got {value!r}") from exc
    if not math.isfinite(result) or result < 0 or (positive and result == 0):
        bound = "more than 0" if positive else "0 or more"
        raise ConfigError(f"{name} must be a finite number, {bound}, got {value!r}")
    if maximum is not None and result > maximum:
        raise ConfigError(f"{name} must be {maximum:g} or less, got {value!r}")
    return result


def choice(source: Mapping[str, Any], name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of a fixed set of words (any case)."""
    value = text(source, name, default).lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def words(source: Mapping[str, Any], name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    """A comma-separated list (or a list in the app config); empty parts are dropped."""
    value = _raw(source, name)
    if value is None:
        return tuple(default)
    parts = value.split(",") if isinstance(value, str) else list(value)
    return tuple(str(part).strip() for part in parts if str(part).strip())


def http_url(source: Mapping[str, Any], name: str, default: str) -> str:
    """An http(s) URL with a host."""
    value = text(source, name, default)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name} must be an http(s) URL, got {value!r}")
    return value


@lru_cache(maxsize=64)
def _check_rate(value: str) -> bool:
    from limits import parse_many

    parse_many(value)
    return True


def rate_limit(source: Mapping[str, Any], name: str, default: str) -> str:
    """A Flask-Limiter rate string such as '120/minute'."""
    value = text(source, name, default)
    try:
        _check_rate(value)
    except ValueError as exc:
        raise ConfigError(
            f"{name} must be a rate limit such as '120/minute', got {value!r}"
        ) from exc
    return value
