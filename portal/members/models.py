"""Member company (lidbedrijf) and the managed lists it refers to."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Column,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from portal.core.db import UTCDateTime, new_uuid, utcnow
from portal.extensions import Model, db


class MembershipStatus(enum.StrEnum):
    """Where a membership stands; only active members are listed publicly."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"


company_specialisms = Table(
    "company_specialisms",
    db.metadata,
    Column("company_id", ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
    Column("specialism_id", ForeignKey("specialisms.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_company_specialisms_specialism", "specialism_id", "company_id"),
)

company_recognitions = Table(
    "company_recognitions",
    db.metadata,
    Column("company_id", ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
    Column("recognition_id", ForeignKey("recognitions.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_company_recognitions_recognition", "recognition_id", "company_id"),
)


class Specialism(Model):
    """A vakgebied from the association's managed list."""

    __tablename__ = "specialisms"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    # Optimistic concurrency: every UPDATE checks and bumps it (portal/core/concurrency.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    @property
    def audit_key(self) -> str:
        """The audit log names a specialism by its slug (kept on rename)."""
        return self.slug

    def __repr__(self) -> str:
        return f"<Specialism {self.slug}>"


class Recognition(Model):
    """An erkenning or certificate a member can hold (managed list)."""

    __tablename__ = "recognitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)

    def __repr__(self) -> str:
        return f"<Recognition {self.slug}>"


# Public fields a member may hide from the ledenzoeker, with their Dutch labels.
VISIBILITY_FIELDS = ("address", "phone", "email", "website", "description", "opening_hours")


class Company(Model):
    """A member company with its register data and its directory data."""

    __tablename__ = "companies"
    __table_args__ = (
        Index("ix_companies_status_optout", "membership_status", "directory_opt_out"),
        Index("ix_companies_geo", "latitude", "longitude"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    member_number: Mapped[str] = mapped_column(String(20), unique=True)
    kvk_number: Mapped[str] = mapped_column(String(8), index=True)
    establishment_number: Mapped[str | None] = mapped_column(String(12))
    legal_name: Mapped[str] = mapped_column(String(200))
    trade_name: Mapped[str] = mapped_column(String(200), default="")
    street: Mapped[str] = mapped_column(String(200), default="")
    house_number: Mapped[str] = mapped_column(String(10), default="")
    house_number_addition: Mapped[str] = mapped_column(String(10), default="")
    postcode: Mapped[str] = mapped_column(String(7), default="", index=True)
    city: Mapped[str] = mapped_column(String(100), default="", index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    opening_hours: Mapped[str] = mapped_column(Text, default="")
    logo_data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    logo_mime: Mapped[str] = mapped_column(String(20), default="")
    logo_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    membership_status: Mapped[MembershipStatus] = mapped_column(
        Enum(MembershipStatus, native_enum=False, length=12), default=MembershipStatus.ACTIVE
    )
    member_since: Mapped[date | None] = mapped_column(Date)
    membership_ended_on: Mapped[date | None] = mapped_column(Date)
    show_address: Mapped[bool] = mapped_column(default=True)
    show_phone: Mapped[bool] = mapped_column(default=True)
    show_email: Mapped[bool] = mapped_column(default=True)
    show_website: Mapped[bool] = mapped_column(default=True)
    show_description: Mapped[bool] = mapped_column(default=True)
    show_opening_hours: Mapped[bool] = mapped_column(default=True)
    directory_opt_out: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    specialisms: Mapped[list[Specialism]] = relationship(
        secondary=company_specialisms, order_by="Specialism.name"
    )
    recognitions: Mapped[list[Recognition]] = relationship(
        secondary=company_recognitions, order_by="Recognition.name"
    )

    # Optimistic concurrency: every UPDATE checks and bumps it (portal/core/concurrency.py).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    @property
    def display_name(self) -> str:
        """Trade name when there is one, else the legal name."""
        return self.trade_name or self.legal_name

    @property
    def is_listed(self) -> bool:
        """Shown in the ledenzoeker: active membership and no opt-out."""
        return self.membership_status is MembershipStatus.ACTIVE and not self.directory_opt_out

    @property
    def address_line(self) -> str:
        """Street, number and addition as one line."""
        number = f"{self.house_number}{('-' + self.house_number_addition) if self.house_number_addition else ''}"
        return f"{self.street} {number}".strip()

    def __repr__(self) -> str:
        return f"<Company {self.member_number} {self.legal_name!r}>"
