"""Write the demo data set: managed lists, companies, review systems and demo accounts.

Bulk inserts (`session.execute(insert(Model), rows)`) keep 6,300 companies well under 30 s on
SQLite and PostgreSQL. Functions flush, never commit: the CLI command owns the transaction.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Table, delete, func, insert, or_, select, update

from portal.auth import mfa
from portal.auth.models import CompanyRole, Role, User
from portal.auth.passwords import hash_password
from portal.core import crypto
from portal.core.db import rowcount, utcnow
from portal.demo import names
from portal.demo.generate import DemoCompany, generate
from portal.demo.generate_reviews import TIMESTAMP_KEYS
from portal.extensions import db
from portal.members.models import (
    Company,
    Recognition,
    Specialism,
    company_recognitions,
    company_specialisms,
)
from portal.reviews.models import ReviewSystem, ScoreSnapshot

DEMO_EMAIL_DOMAINS = ("@example.nl", "@example.com")


@dataclass(frozen=True)
class DemoUser:
    """A fixed development login (never created in production)."""

    email: str
    name: str
    role: Role
    password: str
    company_index: int | None = None
    company_role: CompanyRole | None = None
    totp_secret: str | None = None


DEMO_USERS = (
    DemoUser("staf@example.nl", "Sanne Visser", Role.STAFF, "demo-staf-Lantaarnpaal-Boterham-2026",
             totp_secret="LEDENPORTAALDEMOSTAFFTOTPSECRETA"),  # noqa: S106 - dev-only seed
    DemoUser("admin@example.nl", "Pieter de Graaf", Role.ADMIN, "demo-admin-Vuurtoren-Pindakaas-2026",
             totp_secret="LEDENPORTAALDEMOADMINTOTPSECRETA"),  # noqa: S106 - dev-only seed
    DemoUser("beheerder@example.nl", "Kees de Vries", Role.MEMBER, "demo-beheerder-Kraanwater-2026",
             company_index=0, company_role=CompanyRole.BEHEERDER),
    DemoUser("medewerker@example.nl", "Fatima el Amrani", Role.MEMBER, "demo-medewerker-Soldeerbout-2026",
             company_index=0, company_role=CompanyRole.MEDEWERKER),
    DemoUser("beheerder2@example.nl", "Hénk Müller", Role.MEMBER, "demo-beheerder-Zonneboiler-2026",
             company_index=1, company_role=CompanyRole.BEHEERDER),
)  # fmt: skip


@dataclass(frozen=True)
class SeedResult:
    """What `seed` wrote, for the command's summary."""

    companies: int
    review_systems: int
    users: int
    listed: int | None
    seconds: float


def company_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Company)) or 0


def seed(count: int, *, seed_value: int = 2026) -> SeedResult:
    """Insert `count` demo companies with everything around them; flushes, never commits."""
    started = time.monotonic()
    now = utcnow()
    companies = generate(count, seed=seed_value)
    specialism_ids = ensure_managed_list(Specialism, names.SPECIALISMS)
    recognition_ids = ensure_managed_list(Recognition, names.RECOGNITIONS)
    db.session.execute(insert(Company), [c.row for c in companies])
    ids = {
        number: id_
        for number, id_ in db.session.execute(select(Company.member_number, Company.id)).all()
    }
    company_ids = [ids[c.row["member_number"]] for c in companies]
    _link(
        company_specialisms, "specialism_id", company_ids, companies, specialism_ids, "specialisms"
    )
    _link(
        company_recognitions,
        "recognition_id",
        company_ids,
        companies,
        recognition_ids,
        "recognitions",
    )
    users = create_users(company_ids)
    staff_id = next(u.id for u in users if u.role is Role.STAFF)
    systems = _insert_systems(companies, company_ids, now, staff_id)
    _snapshots(company_ids[:2], now)
    db.session.flush()
    _complaints(company_ids[0], users)
    _accept_agreement(company_ids[0], users)
    listed = refresh_directory()
    return SeedResult(count, systems, len(users), listed, time.monotonic() - started)


def _accept_agreement(company_id: int, users: list[User]) -> None:
    """The first demo company accepted the processor agreement, so its complaint register and
    invitations work; the second has not, so its dashboard shows that to-do."""
    from portal.agreements import services as agreements

    version = agreements.publish_default()
    company = db.session.get_one(Company, company_id)
    beheerder = next(u for u in users if u.company_id == company_id and u.is_company_admin)
    agreements.accept(
        company,
        version,
        by=beheerder,
        signatory_name=beheerder.name,
        signatory_function="Directeur",
    )


def _complaints(company_id: int, users: list[User]) -> None:
    """A year of complaints for the first demo company (the beheerder and medewerker handle)."""
    from portal.complaints.services import now_local_date
    from portal.demo.complaints import seed_complaints

    company = db.session.get_one(Company, company_id)
    handlers = [u for u in users if u.company_id == company_id]
    seed_complaints(company, handlers, today=now_local_date())
    db.session.flush()


def ensure_managed_list(
    model: type[Specialism] | type[Recognition], entries: tuple[tuple[str, str], ...]
) -> dict[str, int]:
    """Insert missing (slug, name) entries; returns slug → id for all of them."""
    existing = {slug: id_ for slug, id_ in db.session.execute(select(model.slug, model.id)).all()}
    missing = [{"slug": slug, "name": name} for slug, name in entries if slug not in existing]
    if missing:
        db.session.execute(insert(model), missing)
        existing = {
            slug: id_ for slug, id_ in db.session.execute(select(model.slug, model.id)).all()
        }
    return existing


def _link(
    table: Table,
    column: str,
    company_ids: list[int],
    companies: list[DemoCompany],
    id_by_slug: dict[str, int],
    attr: str,
) -> None:
    rows = [
        {"company_id": company_id, column: id_by_slug[slug]}
        for company_id, company in zip(company_ids, companies, strict=True)
        for slug in getattr(company, attr)
    ]
    if rows:
        db.session.execute(insert(table), rows)


def _insert_systems(
    companies: list[DemoCompany], company_ids: list[int], now: datetime, staff_id: int
) -> int:
    rows, secrets = [], {}
    for company_id, company in zip(company_ids, companies, strict=True):
        if company.system is None:
            continue
        row = {k: v for k, v in company.system.items() if not k.endswith("_ago")}
        for key in TIMESTAMP_KEYS:
            ago = company.system[f"{key}_ago"]
            row[key] = None if ago is None else now - ago
        row["company_id"] = company_id
        row["decided_by_id"] = staff_id if row["decided_at"] else None
        rows.append(row)
        if company.secrets:
            secrets[company_id] = company.secrets
    if rows:
        db.session.execute(insert(ReviewSystem), rows)
    store_credentials(secrets)
    return len(rows)


def store_credentials(secrets_by_company: dict[int, dict]) -> None:
    """Encrypt each system's credentials in bulk, bound to its row id.

    Same stored form as portal.reviews.credentials.store_credentials (compact, sorted JSON;
    AAD `review_systems:<id>:credentials_enc`), without a flush per row.
    """
    if not secrets_by_company:
        return
    pairs = db.session.execute(
        select(ReviewSystem.id, ReviewSystem.company_id, ReviewSystem.version).where(
            ReviewSystem.company_id.in_(list(secrets_by_company))
        )
    ).all()
    rows = []
    for system_id, company_id, version in pairs:
        payload = secrets_by_company[company_id]
        plaintext = json.dumps(payload, separators=(",", ":"), sort_keys=True)
        aad = f"review_systems:{system_id}:credentials_enc"
        encrypted = crypto.encrypt(plaintext, aad=aad)
        # A bulk UPDATE by primary key of a versioned row names the version it expects.
        rows.append({"id": system_id, "version": version, "credentials_enc": encrypted})
    db.session.execute(update(ReviewSystem), rows)


def create_users(company_ids: list[int]) -> list[User]:
    """The fixed demo logins; staff and admin get the fixed TOTP secret."""
    users = []
    for spec in DEMO_USERS:
        user = User(
            email=spec.email,
            name=spec.name,
            role=spec.role,
            password_hash=hash_password(spec.password),
            password_changed_at=utcnow(),
            company_id=None if spec.company_index is None else company_ids[spec.company_index],
            company_role=spec.company_role,
        )
        db.session.add(user)
        db.session.flush()
        if spec.totp_secret:
            mfa.enable(user, spec.totp_secret)
        users.append(user)
    return users


def _snapshots(company_ids: list[int], now: datetime) -> None:
    """Half a year of weekly score history for the demo members' dashboards."""
    systems = db.session.scalars(
        select(ReviewSystem).where(
            ReviewSystem.company_id.in_(company_ids), ReviewSystem.score.is_not(None)
        )
    ).all()
    rows = []
    for system in systems:
        for week in range(26, -1, -1):
            factor = max(0.0, 1 - week / 30)
            rows.append(
                {
                    "review_system_id": system.id,
                    "company_id": system.company_id,
                    "provider": system.provider,
                    "day": (now - timedelta(weeks=week)).date(),
                    "score": max(
                        Decimal("1"), (system.score or Decimal(0)) - Decimal(week % 3) / 10
                    ),
                    "scale_max": system.scale_max,
                    "review_count": int(system.review_count * factor),
                    "recommend_pct": system.recommend_pct,
                }
            )
    if rows:
        db.session.execute(insert(ScoreSnapshot), rows)


def refresh_directory() -> int:
    """Rebuild the public directory rows."""
    from portal.directory.entries import refresh_all

    return refresh_all()


def reset() -> int:
    """Delete the demo companies (cascading to their users and links) and demo logins."""
    demo_companies = or_(*(Company.email.endswith(domain) for domain in DEMO_EMAIL_DOMAINS))
    db.session.execute(delete(User).where(User.email.in_([u.email for u in DEMO_USERS])))
    ids = select(Company.id).where(demo_companies)
    db.session.execute(delete(ReviewSystem).where(ReviewSystem.company_id.in_(ids)))
    result = db.session.execute(delete(Company).where(demo_companies))
    db.session.flush()
    refresh_directory()
    return rowcount(result) or 0
