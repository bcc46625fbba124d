"""What the invitations pages read: an upload's progress, the company's uploads, problem rows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.extensions import db
from portal.invitations.models import Invitation, InviteStatus, InviteUpload
from portal.members.models import Company


@dataclass(frozen=True)
class Progress:
    """Counts per status for the progress bar."""

    counts: dict[str, int]

    def get(self, status: InviteStatus, default: int = 0) -> int:
        return self.counts.get(status.value, default)

    @property
    def total(self) -> int:
        return sum(v for k, v in self.counts.items() if k != InviteStatus.PREVIEW.value)

    @property
    def done(self) -> int:
        return self.total - self.get(InviteStatus.PENDING) - self.get(InviteStatus.SENDING)

    @property
    def finished(self) -> bool:
        return self.get(InviteStatus.PENDING) == 0 and self.get(InviteStatus.SENDING) == 0

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.done / self.total)


def progress(upload: InviteUpload) -> Progress:
    """Invitation counts of one upload per status."""
    rows = db.session.execute(
        select(Invitation.status, func.count())
        .where(Invitation.upload_id == upload.id)
        .group_by(Invitation.status)
    )
    return Progress({(s.value if hasattr(s, "value") else str(s)): n for s, n in rows})


def uploads_for(company: Company, *, limit: int = 20) -> list[InviteUpload]:
    """The company's recent uploads, newest first."""
    return list(
        db.session.scalars(
            select(InviteUpload)
            .where(InviteUpload.company_id == company.id)
            .order_by(InviteUpload.uploaded_at.desc(), InviteUpload.id.desc())
            .limit(limit)
        )
    )


def problem_rows(upload: InviteUpload) -> list[Invitation]:
    """Failed and unknown invitations of an upload, by line number."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.upload_id == upload.id,
                Invitation.status.in_(
                    (InviteStatus.FAILED, InviteStatus.UNKNOWN, InviteStatus.SKIPPED)
                ),
            )
            .order_by(Invitation.line_number)
        )
    )
