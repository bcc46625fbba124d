"""App-wide admin-managed settings stored in the `settings` table, with typed defaults.

`get_setting(name, default)` is the one read path for every feature (e.g. the directory's
publication minimum); a missing row falls back to the given default, then to the definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, text

from portal.config import ReviewSettings
from portal.core import audit, signals
from portal.core.models import Setting
from portal.extensions import db

if TYPE_CHECKING:
    from portal.auth.models import User


@dataclass(frozen=True)
class SettingDef:
    """A known setting: Dutch label, bounds and default."""

    label: Any
    hint: Any
    minimum: int
    maximum: int
    default: int


DEFINITIONS: dict[str, SettingDef] = {
    "publication_min": SettingDef(
        _l("Publicatieminimum (aantal beoordelingen)"),
        _l("Vanaf dit aantal beoordelingen staat een score in de ledenzoeker."),
        1,
        100,
        5,
    ),
    "deadline_days": SettingDef(
        _l("Termijn voor nieuwe leden (dagen)"),
        _l("Zo lang heeft een nieuw lid om een systeem te kiezen; daarna ‘voldoet niet’."),
        1,
        365,
        21,
    ),
    "reminder_interval_days": SettingDef(
        _l("Minimale tijd tussen twee herinneringen van dezelfde soort (dagen)"),
        _l("Een lid krijgt binnen deze periode nooit twee keer dezelfde herinnering."),
        1,
        365,
        14,
    ),
    "reminder_batch_max": SettingDef(
        _l("Maximaal aantal herinneringen per verzending"),
        _l("De rest wordt overgeslagen en kan later worden verstuurd."),
        1,
        5000,
        500,
    ),
    "broken_link_days": SettingDef(
        _l("Signaal ‘koppeling werkt niet’ na (dagen)"),
        _l("Zo lang mag een koppeling met de aanbieder mislukken voordat er een signaal komt."),
        1,
        365,
        14,
    ),
    "below_minimum_months": SettingDef(
        _l("Signaal ‘onder het minimum’ na (maanden)"),
        _l("Zo lang mag een systeem onder het publicatieminimum blijven."),
        1,
        60,
        6,
    ),
}


def _fallback(name: str) -> int:
    if name == "publication_min" and has_app_context():
        return ReviewSettings.of().min_count
    return DEFINITIONS[name].default


_STORED_VALUE = text('SELECT value FROM settings WHERE "key" = :key')


def get_setting(name: str, default: int | None = None) -> int:
    """The stored value of a setting, else `default`, else the built-in default.

    :raises KeyError: `name` is not a known setting.
    """
    definition = DEFINITIONS[name]
    stored = db.session.execute(_STORED_VALUE, {"key": name}).scalar()  # read on most pages
    if stored is not None:
        try:
            value = int(stored)
        except ValueError:
            value = None
        if value is not None and definition.minimum <= value <= definition.maximum:
            return value
    return default if default is not None else _fallback(name)


def publication_min() -> int:
    """Minimum number of reviews before a score is public (staff setting, else REVIEW_MIN_COUNT)."""
    return get_setting("publication_min")


def all_settings() -> dict[str, int]:
    """Every known setting with its effective value."""
    return {name: get_setting(name) for name in DEFINITIONS}


def stored_settings() -> list[Setting]:
    """The stored setting rows. A save holding this list updates them under the versions read
    here, so a row changed meanwhile ends in `StaleDataError`, not in a silent overwrite."""
    return list(db.session.scalars(select(Setting).where(Setting.key.in_(DEFINITIONS))))


def settings_version(rows: list[Setting] | None = None) -> int:
    """One version over every stored setting row (portal/core/concurrency.py), for the form."""
    from portal.core.concurrency import combined_version

    rows = stored_settings() if rows is None else rows
    return combined_version(*sorted((row.key, row.version) for row in rows))


def update_settings(values: dict[str, int], *, by: User) -> dict:
    """Store changed settings and audit them; flushes, never commits.

    :raises ValueError: unknown name or a value outside its bounds.
    """
    before = all_settings()
    for name, value in values.items():
        definition = DEFINITIONS[name]
        if not definition.minimum <= int(value) <= definition.maximum:
            raise ValueError(name)
        row = db.session.get(Setting, name)
        if row is None:
            row = Setting(key=name, value=str(int(value)))
            db.session.add(row)
        row.value = str(int(value))
        row.updated_by_id = getattr(by, "id", None)
    db.session.flush()
    changes = audit.diff(before, all_settings())
    if changes:
        signals.settings_changed.send(None, names=sorted(changes))  # the directory listens
        audit.record("settings.updated", actor=by, subject_type="settings", changes=changes)
    return changes
