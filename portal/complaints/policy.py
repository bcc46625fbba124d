"""A company's klachtenregeling: deadlines, reminder timing, review threshold, categories.

Flushes but never commits.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.complaints.models import DEFAULT_CATEGORIES, ComplaintCategory, ComplaintPolicy
from portal.config import ComplaintSettings
from portal.core.db import utcnow
from portal.extensions import db
from portal.members.models import Company

# Working days past the handling deadline before the complaint goes to the coordinator by itself.
ESCALATE_AFTER_DAYS = 5


class CategoryError(ValueError):
    """The category is not on the company's list."""


def policy_for(company: Company) -> ComplaintPolicy:
    """The company's policy, or an unsaved one holding the defaults."""
    policy = db.session.scalars(
        select(ComplaintPolicy).where(ComplaintPolicy.company_id == company.id)
    ).first()
    if policy is None:
        policy = ComplaintPolicy(
            company_id=company.id,
            ack_working_days=2,
            handling_days=14,
            extension_days=14,
            reminder_working_days=1,
            escalate_after_days=ESCALATE_AFTER_DAYS,
            escalate_reassign=False,
            negative_review_below=ComplaintSettings.of().negative_below,
        )
    return policy


def save_policy(company: Company, values: dict) -> ComplaintPolicy:
    """Store the company's deadlines and thresholds (new complaints use them).

    Always writes the policy row, also when only the categories (saved with it, unversioned)
    change: that versioned UPDATE is what makes a simultaneous second save fail (PostgreSQL
    waits on the row lock, then finds the version moved on) instead of both passing.
    """
    policy = policy_for(company)
    policy.updated_at = utcnow()
    for name in (
        "ack_working_days",
        "handling_days",
        "extension_days",
        "reminder_working_days",
        "negative_review_below",
    ):
        setattr(policy, name, values[name])
    for name in ("escalate_after_days", "escalate_reassign"):
        if name in values:
            setattr(policy, name, values[name])
    if "compensations" in values:
        policy.compensations = values["compensations"] or ""
    if "coordinator_id" in values:
        policy.coordinator_id = values["coordinator_id"]
    db.session.add(policy)
    db.session.flush()
    return policy


def category_names(company: Company) -> list[str]:
    """Active category names in list order; the defaults until the company has its own."""
    rows = db.session.scalars(
        select(ComplaintCategory)
        .where(ComplaintCategory.company_id == company.id)
        .order_by(ComplaintCategory.position, ComplaintCategory.name)
    ).all()
    if not rows:
        return list(DEFAULT_CATEGORIES)
    return [row.name for row in rows if row.active]


def ensure_categories(company: Company) -> list[ComplaintCategory]:
    """Create the default list once; returns every category of the company."""
    stmt = select(ComplaintCategory).where(ComplaintCategory.company_id == company.id)
    rows = db.session.scalars(stmt.order_by(ComplaintCategory.position)).all()
    if rows:
        return list(rows)
    for position, name in enumerate(DEFAULT_CATEGORIES):
        db.session.add(ComplaintCategory(company_id=company.id, name=name, position=position))
    db.session.flush()
    return list(db.session.scalars(stmt.order_by(ComplaintCategory.position)))


def save_categories(company: Company, names: list[str]) -> None:
    """Make `names` the active list (in this order); others are kept but switched off."""
    existing = {c.name.lower(): c for c in ensure_categories(company)}
    wanted = [n for n in dict.fromkeys(n.strip()[:60] for n in names) if n]
    for category in existing.values():
        category.active = False
    for position, name in enumerate(wanted):
        found = existing.get(name.lower())
        if found is None:
            found = ComplaintCategory(company_id=company.id, name=name)
            db.session.add(found)
        found.active, found.position = True, position
    db.session.flush()


def resolve_category(company: Company, name: str | None) -> ComplaintCategory | None:
    """The category called `name` in the company's list (created from the defaults once)."""
    if not name:
        return None
    for category in ensure_categories(company):
        if category.name == name and category.active:
            return category
    raise CategoryError(str(_l("Kies een categorie uit de lijst.")))
