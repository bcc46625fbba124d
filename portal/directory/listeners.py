"""The directory keeps its public rows and its page cache current by listening to other features.

Connected once by the app factory (`connect()`); blinker keeps one connection per receiver, so a
second app in the same process adds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from portal.core import signals
from portal.core.db import utcnow
from portal.extensions import db


def refresh_companies(_sender: object, *, company_ids: Sequence[int] | None) -> None:
    """Rebuild the public rows of changed companies (every row for None)."""
    from portal.directory.entries import refresh_all, refresh_entries

    db.session.flush()
    if company_ids is None:
        refresh_all()
    elif company_ids:
        refresh_entries(list(company_ids))


def settings_changed(_sender: object, *, names: Sequence[str]) -> None:
    """Cached scores used the old publication minimum: start a new cache version."""
    from portal.directory import cache

    if "publication_min" in names:
        cache.bump(db.session, now=utcnow())


def connect() -> None:
    """Subscribe the directory to the signals of portal/core/signals.py."""
    signals.companies_changed.connect(refresh_companies)
    signals.settings_changed.connect(settings_changed)
