"""Right of access and portability: everything the portal holds about a user and their company.

Not the customers' data the association keeps for the company as processor (complaint register,
invitation addresses): that is the company's, downloaded by its beheerder (customer_data.py).
"""

from __future__ import annotations

import csv
import enum
import io
import itertools
import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from portal.agreements.models import AgreementAcceptance
from portal.auth.models import User, UserSession
from portal.complaints.models import Complaint
from portal.core.db import utcnow
from portal.core.models import AuditEvent
from portal.core.uploads import neutralise_formula
from portal.extensions import db
from portal.invitations.models import Invitation, InviteUpload
from portal.members.models import Company
from portal.privacy.models import SubjectRequest
from portal.reviews.models import ReviewSystem

EXPORT_VERSION = 1
COMPANY_FIELDS = (
    "public_id", "member_number", "kvk_number", "establishment_number", "legal_name", "trade_name",
    "street", "house_number", "house_number_addition", "postcode", "city", "phone", "email",
    "website", "description", "opening_hours", "membership_status", "member_since",
    "membership_ended_on", "show_address", "show_phone", "show_email", "show_website",
    "show_description", "show_opening_hours", "directory_opt_out", "created_at", "updated_at",
)  # fmt: skip
SYSTEM_FIELDS = (
    "public_id", "provider", "status", "is_current", "included", "location_id", "other_name",
    "other_url", "other_description", "location_name", "score", "scale_max", "review_count",
    "recommend_pct", "profile_url", "write_review_url", "fetched_at", "requested_at",
    "activated_at", "ended_at", "created_at",
)  # fmt: skip
AUDIT_LIMIT = 1000
CSV_HEADER = ("onderdeel", "nr", "veld", "waarde")


def plain(value: Any) -> Any:
    """JSON-friendly value: ISO dates, strings for decimals and enums."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def pick(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of `obj` as plain JSON-able values (shared with customer_data)."""
    return {name: plain(getattr(obj, name)) for name in fields}


def _user(user: User) -> dict[str, Any]:
    data = pick(
        user,
        (
            "public_id",
            "email",
            "name",
            "role",
            "company_role",
            "active",
            "created_at",
            "last_login_at",
            "password_changed_at",
        ),
    )
    data["mfa_enabled"] = user.mfa_enabled
    return data


def _sessions(user: User) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id)
        .order_by(UserSession.created_at.desc())
    )
    return [
        pick(s, ("created_at", "last_seen_at", "expires_at", "revoked_at", "ip", "user_agent"))
        for s in rows
    ]


def _company(company: Company) -> dict[str, Any]:
    data = pick(company, COMPANY_FIELDS)
    data["specialisms"] = [s.name for s in company.specialisms]
    data["recognitions"] = [r.name for r in company.recognitions]
    data["has_logo"] = bool(company.logo_mime)
    return data


def _systems(company: Company) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(ReviewSystem)
        .where(ReviewSystem.company_id == company.id)
        .order_by(ReviewSystem.created_at)
    )
    out = []
    for system in rows:
        data = pick(system, SYSTEM_FIELDS)
        data["credentials"] = f"••••{system.secret_hint}" if system.credentials_enc else None
        out.append(data)
    return out


def _acceptances(company: Company) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(AgreementAcceptance)
        .where(AgreementAcceptance.company_id == company.id)
        .order_by(AgreementAcceptance.accepted_at)
    )
    return [
        {
            "version": a.version.label,
            **pick(
                a, ("signatory_name", "signatory_function", "accepted_at", "ip", "document_sha256")
            ),
        }
        for a in rows
    ]


def _uploads(company: Company) -> list[dict[str, Any]]:
    """Upload metadata only: customers' addresses belong to the member's own records."""
    uploads = list(
        db.session.scalars(
            select(InviteUpload)
            .where(InviteUpload.company_id == company.id)
            .order_by(InviteUpload.uploaded_at)
        )
    )
    out = []
    for u in uploads:
        counts = db.session.execute(
            select(Invitation.status, func.count())
            .where(Invitation.upload_id == u.id)
            .group_by(Invitation.status)
        )
        data = pick(
            u,
            (
                "public_id",
                "uploaded_at",
                "purge_after",
                "provider",
                "file_kind",
                "status",
                "rows_total",
                "delay_days",
                "confirmed_at",
            ),
        )
        data["invitations_by_status"] = {plain(s): n for s, n in counts}
        out.append(data)
    return out


def _complaint_count(company: Company) -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(Complaint).where(Complaint.company_id == company.id)
        )
        or 0
    )


def _requests(user: User) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(SubjectRequest)
        .where(SubjectRequest.user_id == user.id)
        .order_by(SubjectRequest.received_at)
    )
    return [
        pick(r, ("kind", "status", "received_at", "due_at", "handled_at", "message", "outcome"))
        for r in rows
    ]


def _audit(user: User) -> list[dict[str, Any]]:
    rows = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.actor_id == user.id)
        .order_by(AuditEvent.created_at.desc())
        .limit(AUDIT_LIMIT)
    )
    return [pick(e, ("created_at", "action", "subject_type", "ip")) for e in rows]


def build_export(user: User) -> dict[str, Any]:
    """The complete export for one user: account, company, links, uploads, complaints, activity."""
    company = db.session.get(Company, user.company_id) if user.company_id else None
    return {
        "export_version": EXPORT_VERSION,
        "generated_at": plain(utcnow()),
        "user": _user(user),
        "sessions": _sessions(user),
        "company": _company(company) if company else None,
        "review_systems": _systems(company) if company else [],
        "agreement_acceptances": _acceptances(company) if company else [],
        "invitation_uploads": _uploads(company) if company else [],
        # Complainants' data is the company's, not the user's: only a count here; the beheerder
        # downloads the register with the customer data (portal/privacy/customer_data.py).
        "complaints_in_register": _complaint_count(company) if company else 0,
        "privacy_requests": _requests(user),
        "activity": _audit(user),
    }


def to_json(data: dict[str, Any]) -> str:
    """Pretty UTF-8 JSON for download."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=plain)


def _flatten(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
    """(dotted field name, value) pairs; lists of records are numbered from 1."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(f"{prefix}.{key}" if prefix else str(key), item)
    elif isinstance(value, list) and any(isinstance(item, dict) for item in value):
        for number, item in enumerate(value, 1):
            yield from _flatten(f"{prefix}.{number}", item)
    elif isinstance(value, list):
        yield prefix, ", ".join(str(plain(item)) for item in value)
    else:
        yield prefix, plain(value)


def csv_rows(data: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """The export as (section, record number, field, value) rows: one shape for every part."""
    for section, value in data.items():
        if isinstance(value, list):
            for number, record in enumerate(value, 1):
                for name, cell in _flatten("", record):
                    yield section, number, name, cell
        else:
            for name, cell in _flatten("", value):
                yield section, "", name, cell


def to_csv(data: dict[str, Any]) -> bytes:
    """Semicolon CSV with a UTF-8 BOM (Dutch Excel); every cell passes `neutralise_formula`."""
    out = io.StringIO()
    rows = itertools.chain([CSV_HEADER], csv_rows(data))
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(
        [neutralise_formula("" if cell is None else cell) for cell in row] for row in rows
    )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
