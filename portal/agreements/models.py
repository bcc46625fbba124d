"""Processor agreement versions (frozen once published) and their acceptances."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import UTCDateTime, new_uuid, utcnow
from portal.extensions import Model


class VersionStatus(enum.StrEnum):
    """Draft versions can be edited by an admin; published ones are frozen."""

    DRAFT = "draft"
    PUBLISHED = "published"


class AgreementVersion(Model):
    """One version of the agreement text; the newest published version is the current one."""

    __tablename__ = "agreement_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    label: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    summary_of_changes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[VersionStatus] = mapped_column(
        Enum(VersionStatus, native_enum=False, length=12), default=VersionStatus.DRAFT
    )
    body_sha256: Mapped[str] = mapped_column(String(64), default="")
    # Frozen at publication: parties, processing details and sub-processors (agreements.document),
    # and the SHA-256 of the whole document (title, clauses and that snapshot).
    context: Mapped[str] = mapped_column(Text, default="", server_default="")
    document_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    # Optimistic concurrency: every UPDATE checks and bumps it (portal/core/concurrency.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_published(self) -> bool:
        return self.status is VersionStatus.PUBLISHED

    def __repr__(self) -> str:
        return f"<AgreementVersion {self.label} {self.status}>"


class AgreementAcceptance(Model):
    """A company's electronic acceptance of one version (AVG art. 28(9)).

    Records who (user and signatory as typed), when (UTC), which version, the document's
    SHA-256 and the IP address. The record is proof and outlives the company: erasing the company
    keeps it with the company's name, KvK and member number as they were, until `retain_until`
    (7 years after the erasure), when the retention job removes it.
    """

    __tablename__ = "agreement_acceptances"
    __table_args__ = (UniqueConstraint("company_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    company_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    company_kvk: Mapped[str] = mapped_column(String(8), default="", server_default="")
    company_member_number: Mapped[str] = mapped_column(String(20), default="", server_default="")
    retain_until: Mapped[date | None] = mapped_column(Date, index=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("agreement_versions.id", ondelete="RESTRICT"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    signatory_name: Mapped[str] = mapped_column(String(120), info={"personal": True})
    signatory_function: Mapped[str] = mapped_column(
        String(120), default="", info={"personal": True}
    )
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str] = mapped_column(String(64), default="", info={"personal": True})
    document_sha256: Mapped[str] = mapped_column(String(64))

    version: Mapped[AgreementVersion] = relationship()

    def __repr__(self) -> str:
        return f"<AgreementAcceptance company={self.company_id} version={self.version_id}>"
