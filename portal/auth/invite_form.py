"""Inviting a colleague from a submitted form: shared by the beheerder's and staff's pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.auth import services
from portal.core import concurrency
from portal.core.validation import add_error

if TYPE_CHECKING:
    from portal.members.models import Company

if TYPE_CHECKING:
    from portal.auth.forms import InviteeForm
    from portal.auth.models import User


def invite_from_form(
    form: InviteeForm, company: Company, *, company_role: str, by: User, done: str
) -> str | None:
    """Invite the form's name and e-mail into the company and commit; the URL to go to, or None.

    Shared by the beheerder's colleague invitations and staff inviting a member's beheerder;
    a refusal (the address has an account) lands on the e-mail field and nothing is committed.
    A repeated submit of the same form (its idempotency key) invites once and returns `done`.
    """

    def create() -> str | None:
        try:
            services.invite_colleague(
                company,
                name=form.name.data or "",
                email=form.email.data or "",
                company_role=company_role,
                by=by,
            )
        except services.AccountError as exc:
            add_error(form.email, str(exc))
            return None
        return done

    return concurrency.create_once(create)
