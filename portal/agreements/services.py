"""Agreement versions and acceptances. Services flush but never commit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.agreements import document
from portal.agreements.clauses import (
    DEFAULT_BODY,
    DEFAULT_TITLE,
    PREVIOUS_DEFAULT_SHA256,
    REQUIRED_CLAUSES,
    missing_markers,
)
from portal.agreements.models import AgreementAcceptance, AgreementVersion, VersionStatus
from portal.auth.models import CompanyRole, Role, User
from portal.core import audit, outbox
from portal.core.db import utcnow
from portal.extensions import db
from portal.members.models import Company


class AgreementError(Exception):
    """A refused agreement action; `message` is Dutch, `field` names the form field if any."""

    def __init__(self, message: object, *, field: str = "") -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


@dataclass(frozen=True)
class AgreementState:
    """Where a company stands: the current version and its acceptance, if any."""

    version: AgreementVersion | None
    acceptance: AgreementAcceptance | None
    previous: AgreementAcceptance | None

    @property
    def accepted(self) -> bool:
        return self.acceptance is not None

    @property
    def needs_new_acceptance(self) -> bool:
        """Accepted an older version, not yet the current one."""
        return self.acceptance is None and self.previous is not None


def body_digest(body: str) -> str:
    """SHA-256 of the frozen agreement text (stored with every acceptance)."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def current_version() -> AgreementVersion | None:
    """The newest published version, or None before the first publication."""
    return db.session.scalars(
        select(AgreementVersion)
        .where(AgreementVersion.status == VersionStatus.PUBLISHED)
        .order_by(AgreementVersion.published_at.desc(), AgreementVersion.id.desc())
    ).first()


def all_versions() -> list[AgreementVersion]:
    """Every version, drafts first, then newest published first."""
    return list(
        db.session.scalars(
            select(AgreementVersion).order_by(
                AgreementVersion.published_at.is_(None).desc(),
                AgreementVersion.published_at.desc(),
                AgreementVersion.id.desc(),
            )
        )
    )


def state_for(company: Company) -> AgreementState:
    """The company's acceptance of the current version and its latest earlier acceptance."""
    version = current_version()
    acceptances = list(
        db.session.scalars(
            select(AgreementAcceptance)
            .where(AgreementAcceptance.company_id == company.id)
            .order_by(AgreementAcceptance.accepted_at.desc(), AgreementAcceptance.id.desc())
        )
    )
    current = next((a for a in acceptances if version and a.version_id == version.id), None)
    previous = next((a for a in acceptances if a is not current), None)
    return AgreementState(version, current, previous)


def has_accepted_current(company: Company) -> bool:
    """True when the company accepted the current published version (uploads allowed)."""
    return state_for(company).accepted


def accept(
    company: Company,
    version: AgreementVersion,
    *,
    by: User,
    signatory_name: str,
    signatory_function: str = "",
    ip: str = "",
) -> AgreementAcceptance:
    """Record the company's electronic acceptance of `version` (beheerder only).

    :raises AgreementError: not the company's beheerder, not the current version, or accepted.
    """
    if by.company_id != company.id or not by.is_company_admin:
        raise AgreementError(
            _l("Alleen de beheerder van uw bedrijf kan de overeenkomst accepteren.")
        )
    current = current_version()
    if current is None or current.id != version.id:
        raise AgreementError(
            _l("Deze versie is niet (meer) de geldende versie. Lees de nieuwe versie.")
        )
    if state_for(company).accepted:
        raise AgreementError(_l("Uw bedrijf heeft deze versie al geaccepteerd."))
    acceptance = AgreementAcceptance(
        company_id=company.id,
        version_id=version.id,
        user_id=by.id,
        signatory_name=signatory_name,
        signatory_function=signatory_function,
        accepted_at=utcnow(),
        ip=ip[:64],
        document_sha256=version.document_sha256 or version.body_sha256,
        company_name=company.legal_name[:200],
        company_kvk=company.kvk_number or "",
        company_member_number=company.member_number,
    )
    db.session.add(acceptance)
    db.session.flush()
    audit.record(
        "agreement.accepted",
        actor=by,
        company=company,
        subject=acceptance,
        changes={"version": {"old": None, "new": version.label}},
    )
    return acceptance


def record_download(company: Company, version: AgreementVersion, *, by: User) -> None:
    """Audit one PDF download (SECURITY.md §1 logging)."""
    audit.record(
        "agreement.downloaded",
        actor=by,
        company=company,
        subject=version,
    )


def create_draft(*, label: str, title: str, body: str, summary: str, by: User) -> AgreementVersion:
    """A new editable draft version (admin).

    :raises AgreementError: the label is taken.
    """
    taken = db.session.scalars(
        select(AgreementVersion).where(AgreementVersion.label == label)
    ).first()
    if taken is not None:
        raise AgreementError(_l("Dit versienummer bestaat al."), field="label")
    version = AgreementVersion(
        label=label, title=title, body=body, summary_of_changes=summary, created_by_id=by.id
    )
    db.session.add(version)
    db.session.flush()
    audit.record(
        "agreement.draft_created",
        actor=by,
        subject=version,
    )
    return version


def update_draft(
    version: AgreementVersion, *, title: str, body: str, summary: str, by: User
) -> None:
    """Edit a draft; published versions are frozen.

    :raises AgreementError: the version is published.
    """
    if version.is_published:
        raise AgreementError(_l("Een gepubliceerde versie kan niet meer worden gewijzigd."))
    version.title, version.body, version.summary_of_changes = title, body, summary
    db.session.flush()
    audit.record(
        "agreement.draft_updated",
        actor=by,
        subject=version,
    )


def publish(
    version: AgreementVersion,
    *,
    by: User | None,
    notify: bool = True,
    changes: list[str] | None = None,
) -> AgreementVersion:
    """Freeze a draft with today's parties, details and annex; every company accepts it again.

    :raises AgreementError: already published, or a required clause is missing.
    """
    if version.is_published:
        raise AgreementError(_l("Deze versie is al gepubliceerd."))
    missing = missing_markers(version.body)
    if missing:
        names = ", ".join(f"{m} ({REQUIRED_CLAUSES[m]})" for m in missing)
        raise AgreementError(
            _l("Verplichte artikelen ontbreken: %(names)s.", names=names), field="body"
        )
    version.status = VersionStatus.PUBLISHED
    version.published_at = utcnow()
    version.body_sha256 = body_digest(version.body)
    context = document.live_context()
    version.context = document.freeze(context)
    version.document_sha256 = document.document_digest(version.title, version.body, context)
    db.session.flush()
    audit.record(
        "agreement.published",
        actor=by,
        subject=version,
    )
    if notify:
        _notify_beheerders(version, changes or [])
    return version


def publish_default(*, by: User | None = None) -> AgreementVersion:
    """Publish the shipped text as the first version, else bring the current one up to date."""
    existing = current_version()
    if existing is not None:
        return sync_current(by=by)
    version = AgreementVersion(label="2026.1", title=DEFAULT_TITLE, body=DEFAULT_BODY)
    db.session.add(version)
    db.session.flush()
    return publish(version, by=by, notify=False)


def sync_current(*, by: User | None = None) -> AgreementVersion:
    """A new version when the configured parties, details or sub-processors changed (idempotent).

    The current version's clause text is kept (a superseded shipped standard text is replaced by
    the shipped one); beheerders of companies that accepted before are mailed what changed.
    """
    current = current_version()
    if current is None:
        return publish_default(by=by)
    live = document.live_context()
    old = document.context_of(current) if current.context else None
    shipped_text_changed = current.body_sha256 in PREVIOUS_DEFAULT_SHA256
    if old == live and not shipped_text_changed:
        return current
    title, body = (
        (DEFAULT_TITLE, DEFAULT_BODY) if shipped_text_changed else (current.title, current.body)
    )
    changes = document.describe_changes(old, live)
    if shipped_text_changed and old is not None:
        changes.append("De standaardtekst is bijgewerkt.")
    version = AgreementVersion(
        label=_next_label(current.label),
        title=title,
        body=body,
        summary_of_changes=" ".join(changes),
    )
    db.session.add(version)
    db.session.flush()
    return publish(version, by=by, changes=changes)


def _next_label(label: str) -> str:
    """`2026.1` → `2026.2`; a label that does not end in a number gets `-2`, `-3`, …"""
    head, _sep, tail = label.rpartition(".")
    stem, number = (head, int(tail)) if head and tail.isdigit() else (label + "-", 1)
    while True:
        number += 1
        candidate = f"{stem}.{number}" if head and tail.isdigit() else f"{stem}{number}"
        taken = db.session.scalars(
            select(AgreementVersion.id).where(AgreementVersion.label == candidate[:20])
        ).first()
        if taken is None:
            return candidate[:20]


def _notify_beheerders(version: AgreementVersion, changes: list[str]) -> None:
    """Tell the beheerders of companies that accepted an earlier version to accept again."""
    companies = select(AgreementAcceptance.company_id).distinct()
    users = db.session.scalars(
        select(User).where(
            User.company_id.in_(companies),
            User.role == Role.MEMBER,
            User.company_role == CompanyRole.BEHEERDER,
            User.active.is_(True),
        )
    )
    base = current_app.config.get("PUBLIC_BASE_URL", "")
    for user in users:
        outbox.enqueue(
            "agreements/new_version",
            to=user.email,
            subject=str(_l("Nieuwe versie van de verwerkersovereenkomst")),
            template="mail/agreement_new_version.txt",
            company=user.company,
            user=user,
            version=version,
            changes=changes,
            subprocessors=document.context_of(version)["subprocessors"],
            url=f"{base}/mijn-profiel/verwerkersovereenkomst/",
        )


def acceptances(version: AgreementVersion | None = None) -> list[AgreementAcceptance]:
    """Staff list: every acceptance (or of one version), newest first, with company loaded."""
    query = select(AgreementAcceptance).order_by(
        AgreementAcceptance.accepted_at.desc(), AgreementAcceptance.id.desc()
    )
    if version is not None:
        query = query.where(AgreementAcceptance.version_id == version.id)
    return list(db.session.scalars(query))
