"""User accounts, their server-side sessions, one-time tokens and recovery codes."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import UTCDateTime, new_uuid, utcnow
from portal.extensions import Model
from portal.members.models import Company


class Role(enum.StrEnum):
    """Portal-wide role, read from the database on every request."""

    MEMBER = "member"
    STAFF = "staff"
    ADMIN = "admin"


class CompanyRole(enum.StrEnum):
    """Role of a member user within its company."""

    BEHEERDER = "beheerder"
    MEDEWERKER = "medewerker"


class User(UserMixin, Model):
    """A person who logs in: member user, association staff or admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=10), default=Role.MEMBER
    )
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    company_role: Mapped[CompanyRole | None] = mapped_column(
        Enum(CompanyRole, native_enum=False, length=12)
    )
    totp_secret_enc: Mapped[str | None] = mapped_column(String(300))
    totp_last_step: Mapped[int | None] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)
    # Set when `active` turns off (portal/privacy/models.py); the retention job erases the
    # account a year later (issue 15).
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    company: Mapped[Company | None] = relationship()

    # Set by the session loader: the id Flask-Login keeps is the session token, not the user id.
    if TYPE_CHECKING:
        session_token: str | None  # an annotation here would make the ORM map it
    else:
        session_token = None  # the current session's token, not mapped

    def get_id(self) -> str | None:
        """Flask-Login identity: the server-side session token of this request."""
        return self.session_token

    # UserMixin compares get_id(), i.e. session tokens: every user outside a request (token None)
    # would equal every other, and one row seen from two sessions would differ. Users are equal
    # when they are the same database row (the identity key, read without a query, so detached
    # and expired copies compare too); a user not yet flushed equals only itself.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, User):
            return NotImplemented
        if self is other:
            return True
        key = self._row_key()
        return key is not None and key == other._row_key()

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        # A flushed user hashes by its row; an unsaved one by object, so do not keep an unsaved
        # user in a set or dict key across the flush that gives it an id.
        key = self._row_key()
        return hash(key) if key is not None else object.__hash__(self)

    def _row_key(self) -> tuple[object, ...] | None:
        """The ORM identity key (class, primary key), None before the first flush."""
        key: tuple[object, ...] | None = inspect(self).key
        return key

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_company_admin(self) -> bool:
        """Company beheerder: may change credentials and accept agreements."""
        return self.role is Role.MEMBER and self.company_role is CompanyRole.BEHEERDER

    @property
    def mfa_enabled(self) -> bool:
        return bool(self.totp_secret_enc)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class UserSession(Model):
    """A server-side login session; the cookie only carries its random token."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    idle_seconds: Mapped[int] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mfa_verified: Mapped[bool] = mapped_column(default=False)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<UserSession {self.id} user={self.user_id}>"


class TokenPurpose(enum.StrEnum):
    """What a one-time e-mailed token may be used for."""

    RESET = "reset"
    ACTIVATE = "activate"
    EMAIL = "email"  # confirm a new e-mail address (sent to that address)
    WITHDRAW = "withdraw"  # "this wasn't me": stop an e-mail change (sent to the old address)


class UserToken(Model):
    """A single-use, expiring token sent by e-mail; only its hash is stored."""

    __tablename__ = "user_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[TokenPurpose] = mapped_column(Enum(TokenPurpose, native_enum=False, length=10))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # EMAIL tokens: the address that becomes the login once the link is followed.
    # WITHDRAW tokens: the address the notice (with the link) was sent to.
    new_email: Mapped[str | None] = mapped_column(String(254), info={"personal": True})

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<UserToken {self.purpose} user={self.user_id}>"


class RecoveryCode(Model):
    """An argon2-hashed, single-use MFA recovery code."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<RecoveryCode user={self.user_id}>"
