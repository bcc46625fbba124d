"""Events one feature publishes and others react to (blinker, through Flask's signal namespace).

A feature that changes what the public directory shows sends a signal instead of calling the
directory; the directory subscribes (portal/directory/listeners.py). Receivers run in the
sender's transaction: they flush, never commit, and an exception reaches the sender.
"""

from __future__ import annotations

from flask.signals import Namespace

_signals = Namespace()

#: Companies' public data changed (details, review system, figures, membership).
#: Sent with `company_ids` (a sequence of ids, or None for every company).
companies_changed = _signals.signal("companies-changed")

#: An app-wide setting that public pages depend on changed (the publication minimum).
#: Sent with `names`, the changed setting names.
settings_changed = _signals.signal("settings-changed")


def company_changed(company_id: int) -> None:
    """Tell listeners that one company's public data changed."""
    companies_changed.send(None, company_ids=[company_id])
