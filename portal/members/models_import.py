"""Parsed member-register uploads waiting between preview and confirmation (never the raw file)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import UTCDateTime, new_uuid, utcnow
from portal.extensions import Model


class ImportStatus(enum.StrEnum):
    """Life cycle of one import batch."""

    PENDING = "pending"  # parsed and previewed, waiting for confirmation
    APPLIED = "applied"  # imported; the row data has been dropped


class ImportBatch(Model):
    """The validated rows of one uploaded register file, kept server-side for at most an hour."""

    __tablename__ = "import_batches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    kind: Mapped[str] = mapped_column(String(30), default="member_register")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[ImportStatus] = mapped_column(
        Enum(ImportStatus, native_enum=False, length=10), default=ImportStatus.PENDING
    )
    filename: Mapped[str] = mapped_column(String(120), default="")
    # {"columns": [...], "ignored": [...], "rows": [{"line": 2, "data": {...}, "errors": [...]}]}
    rows: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Counts after applying: {"created": n, "updated": n, "unchanged": n}.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<ImportBatch {self.id} {self.status}>"
