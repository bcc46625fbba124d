"""Claiming queued rows for one worker, so several hosts can run the same job side by side.

PostgreSQL skips rows another transaction has locked (FOR UPDATE SKIP LOCKED); everywhere a
compare-and-set UPDATE on the status makes sure only one worker wins each row. The caller
commits the claim before doing the slow, unrepeatable part (sending a mail, calling an API).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select, update

from portal.core.db import is_postgres, rowcount
from portal.extensions import db


def claim_rows(
    model: Any,  # a mapped class with an integer `id` and the `status` column
    *,
    ready: Any,
    claimed: Any,
    limit: int,
    values: dict[str, Any] | None = None,
    status: str = "status",
    skip: Collection[int] = (),
) -> list[int]:
    """Move up to `limit` rows (oldest id first) from `ready` to `claimed`; the ids won.

    `values` are set on each claimed row too (e.g. a claim time or an attempt counter); ids in
    `skip` are left alone (rows this run already handled and put back).
    Flushes only: the caller commits to make the claim visible to other workers.
    """
    column = getattr(model, status)
    candidates = select(model.id).where(column == ready).order_by(model.id).limit(limit)
    if skip:
        candidates = candidates.where(model.id.not_in(list(skip)))
    if is_postgres(db.session):
        candidates = candidates.with_for_update(skip_locked=True)
    won = []
    for row_id in list(db.session.scalars(candidates)):
        result = db.session.execute(
            update(model)
            .where(model.id == row_id, column == ready)
            .values({status: claimed, **(values or {})})
            .execution_options(synchronize_session=False)
        )
        if rowcount(result) == 1:
            won.append(row_id)
    return won
