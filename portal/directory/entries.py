"""Keep the precomputed public directory rows in step with companies and review systems.

Public API for other features (call inside your transaction; these flush, never commit):
- `refresh_entry(company_id)`: after a company edit (profile, staff), visibility or opt-out
  change, membership end, or a review sync of that company.
- `refresh_all()`: after a bulk import, the demo seed or a full sync run.
Also available as `flask directory reindex`.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Column, Row, and_, delete, insert, select

from portal.core.db import AnySession, utcnow
from portal.core.validation import is_http_url
from portal.directory import cache
from portal.directory.geo import Point
from portal.directory.geocoder import OfflineGeocoder, parse_query
from portal.directory.models import DirectoryEntry
from portal.directory.scores import PUBLIC_STATUSES
from portal.directory.text import fold
from portal.extensions import db
from portal.members.models import (
    Company,
    MembershipStatus,
    Recognition,
    Specialism,
    company_recognitions,
    company_specialisms,
)
from portal.reviews.models import ReviewSystem

if TYPE_CHECKING:
    from portal.members.models import Company

BATCH_SIZE = 1000
HIDDEN_PRECISION = 2  # decimals of lat/lon kept when the address is hidden (about 1 km)

LISTED = and_(
    Company.membership_status == MembershipStatus.ACTIVE, Company.directory_opt_out.is_(False)
)
_COMPANY_COLUMNS = (
    Company.id, Company.slug, Company.legal_name, Company.trade_name, Company.street,
    Company.house_number, Company.house_number_addition, Company.postcode, Company.city,
    Company.latitude, Company.longitude, Company.phone, Company.email, Company.website,
    Company.description, Company.opening_hours, Company.member_since, Company.show_address,
    Company.show_phone, Company.show_email, Company.show_website, Company.show_description,
    Company.show_opening_hours, Company.logo_mime, Company.logo_updated_at,
)  # fmt: skip
_SYSTEM_COLUMNS = (
    ReviewSystem.company_id, ReviewSystem.provider, ReviewSystem.status, ReviewSystem.score,
    ReviewSystem.scale_max, ReviewSystem.review_count, ReviewSystem.fetched_at,
    ReviewSystem.self_reported, ReviewSystem.profile_url, ReviewSystem.write_review_url,
)  # fmt: skip


def refresh_entry(company_id: int, *, session: AnySession | None = None) -> bool:
    """Rebuild one company's public row; removes it when the company is not listed.

    Returns True when the company is listed afterwards. Flushes, never commits.
    """
    session = session or db.session
    return _refresh_batch(session, [company_id]) == 1


def refresh_entries(company_ids: Sequence[int], *, session: AnySession | None = None) -> int:
    """Rebuild the public rows of these companies; returns how many are listed. Never commits."""
    session = session or db.session
    ids = sorted(set(company_ids))
    listed = 0
    for start in range(0, len(ids), BATCH_SIZE):
        listed += _refresh_batch(session, ids[start : start + BATCH_SIZE])
    return listed


def refresh_all(*, session: AnySession | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Rebuild every public row in batches; returns the number of listed companies."""
    session = session or db.session
    session.execute(
        delete(DirectoryEntry).where(
            DirectoryEntry.company_id.not_in(select(Company.id).where(LISTED))
        )
    )
    cache.bump(session, now=utcnow())
    listed, last_id = 0, 0
    while True:
        ids = session.scalars(
            select(Company.id)
            .where(LISTED, Company.id > last_id)
            .order_by(Company.id)
            .limit(batch_size)
        ).all()
        if not ids:
            break
        listed += _refresh_batch(session, ids)
        last_id = ids[-1]
    session.flush()
    return listed


def _refresh_batch(session: AnySession, ids: Sequence[int]) -> int:
    """Delete and re-insert the rows of `ids`; only listed companies get a row."""
    session.flush()
    companies = session.execute(select(*_COMPANY_COLUMNS).where(Company.id.in_(ids), LISTED)).all()
    session.execute(delete(DirectoryEntry).where(DirectoryEntry.company_id.in_(ids)))
    if companies:
        listed_ids = [c.id for c in companies]
        specialisms = _names(
            session, company_specialisms.c.specialism_id, Specialism, listed_ids, active_only=True
        )
        recognitions = _names(
            session, company_recognitions.c.recognition_id, Recognition, listed_ids
        )
        systems = {
            s.company_id: s
            for s in session.execute(
                select(*_SYSTEM_COLUMNS).where(
                    ReviewSystem.company_id.in_(listed_ids),
                    ReviewSystem.is_current.is_(True),
                    ReviewSystem.status.in_(PUBLIC_STATUSES),
                )
            )
        }
        geocoder = OfflineGeocoder(session)
        rows = [
            _row(c, specialisms[c.id], recognitions[c.id], systems.get(c.id), geocoder)
            for c in companies
        ]
        session.execute(insert(DirectoryEntry), rows)
    cache.bump(session, now=utcnow())  # cached result fragments are stale from here on
    session.flush()
    return len(companies)


def _names(
    session: AnySession,
    foreign: Column[int],
    model: type[Specialism] | type[Recognition],
    ids: Iterable[int],
    *,
    active_only: bool = False,
) -> dict[int, list[str]]:
    """Map company id → sorted names of its specialisms or recognitions (`foreign`: link column)."""
    link = foreign.table
    stmt = (
        select(link.c.company_id, model.name)
        .join(model, model.id == foreign)
        .where(link.c.company_id.in_(list(ids)))
        .order_by(model.name)
    )
    if active_only:  # only specialisms have an active flag
        stmt = stmt.where(cast(type[Specialism], model).active.is_(True))
    names: dict[int, list[str]] = defaultdict(list)
    for company_id, name in session.execute(stmt):
        names[company_id].append(name)
    return names


def _row(
    company: Company | Row[Any],
    specialisms: list[str],
    recognitions: list[str],
    system: Row[Any] | None,
    geocoder: OfflineGeocoder,
) -> dict:
    """The public row of one company: hidden fields are left empty here, so never leak."""
    name = company.trade_name or company.legal_name
    point = _position(company, geocoder)
    address = company.show_address
    if point and not address:
        point = Point(
            round(point.latitude, HIDDEN_PRECISION), round(point.longitude, HIDDEN_PRECISION)
        )
    number = company.house_number + (
        f"-{company.house_number_addition}" if company.house_number_addition else ""
    )
    website = company.website if company.show_website and is_http_url(company.website) else ""
    words = dict.fromkeys(fold(f"{name} {company.legal_name} {company.city}").split())
    return {
        "company_id": company.id,
        "slug": company.slug,
        "name": name,
        "sort_key": fold(name)[:200],
        "search_text": " ".join(words),
        "city": company.city,
        "postcode": company.postcode if address else "",
        "street": f"{company.street} {number}".strip() if address else "",
        "latitude": point.latitude if point else None,
        "longitude": point.longitude if point else None,
        "exact_location": bool(point and address),
        "phone": company.phone if company.show_phone else "",
        "email": company.email if company.show_email else "",
        "website": website,
        "description": company.description if company.show_description else "",
        "opening_hours": company.opening_hours if company.show_opening_hours else "",
        "specialisms": specialisms,
        "recognitions": recognitions,
        "member_since": company.member_since,
        **_score_columns(system),
        "logo_version": logo_version(company.logo_mime, company.logo_updated_at),
        "refreshed_at": utcnow(),
    }


def logo_version(mime: str | None, updated_at: datetime | None) -> str:
    """A short token that changes with every new logo; empty without one."""
    if not mime or updated_at is None:
        return ""
    return hashlib.sha256(updated_at.isoformat().encode()).hexdigest()[:12]


def _score_columns(system: Row[Any] | None) -> dict:
    if system is None:
        return {"provider": None, "status": None, "score": None, "scale_max": None,
                "review_count": 0, "fetched_at": None, "self_reported": False,
                "profile_url": "", "write_review_url": ""}  # fmt: skip
    return {
        "provider": str(system.provider),
        "status": str(system.status),
        "score": system.score,
        "scale_max": system.scale_max,
        "review_count": system.review_count or 0,
        "fetched_at": system.fetched_at,
        "self_reported": bool(system.self_reported),
        "profile_url": _https(system.profile_url),
        "write_review_url": _https(system.write_review_url),
    }


def _https(url: str | None) -> str:
    return url if url and url.startswith("https://") and is_http_url(url) else ""


def _position(company: Company | Row[Any], geocoder: OfflineGeocoder) -> Point | None:
    """The company's own coordinates, else its postcode or place from offline data."""
    if company.latitude is not None and company.longitude is not None:
        return Point(company.latitude, company.longitude)
    for text in (company.postcode, company.city):
        query = parse_query(text)
        found = geocoder.lookup(query) if query else None
        if found:
            return found.point
    return None
