"""Typed readers of one setting: from the environment (text) or the app config (typed values).

Each reader takes the mapping, the setting's name and its default, and returns the typed value
or raises ConfigError naming the setting. The same reader serves both sources, so a test's
`create_app({"SYNC_MAX_WORKERS": 1})` is validated exactly like `SYNC_MAX_WORKERS=1` in the
environment.
"""

from __future__ import annotations

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


def flag(source: Mapping[str, Any], name: str, default: bool = False) -> bool:
    """1/true/yes/on (any case) is on; any other text is off; unset is the default."""
    value = _raw(source, name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).lower() in {"1", "true", "yes", "on"}


def whole(source: Mapping[str, Any], name: str, default: int, minimum: int | None = None) -> int:
    """A whole number, at least `minimum` when given."""
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
    return number


def seconds(source: Mapping[str, Any], name: str, default: int) -> int:
    """A whole number of seconds, 0 or more."""
    return whole(source, name, default, minimum=0)


def number(source: Mapping[str, Any], name: str, default: float) -> float:
    """A number (seconds, a score), 0 or more."""
    value = _raw(source, name)
    if value is None:
        return default
    try:
        result = float(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name} must be a number, got {value!r}") from exc
    if result < 0 or result != result:  # negative or NaN
        raise ConfigError(f"{name} must be 0 or more, got {value!r}")
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
