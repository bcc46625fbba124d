"""The provider fault matrix on the invite APIs (PROVIDERS.md §6, §8): every mode x provider.

Invitations risk a double mail, so the rules are about what the provider may have received:
a row marked `failed` (which a member may retry) must never have reached the provider; `sent` must
have; a 5xx or timeout leaves `unknown`, never re-sent automatically. No run raises, and no
customer address reaches the log.
"""

from __future__ import annotations

import itertools
import logging

import pytest
from sqlalchemy import select

from portal.dev.emulator_data import FAULT_MODES
from portal.extensions import db
from portal.invitations import sending
from portal.invitations.models import Invitation
from portal.reviews.models import Provider
from tests.battery import summary
from tests.invitations.test_sending import queue
from tests.reviews.conftest import PROVIDERS

CASES = list(itertools.product(FAULT_MODES, PROVIDERS))
MAYBE_RECEIVED = {"server_error", "unavailable", "slow", "timeout", "trickle"}
REFUSED = {
    "bad_token",
    "forbidden",
    "unknown_location",
    "rate_limit",
    "rate_limit_text",
    "redirect",
}
_serial = itertools.count(1)


def test_matrix_covers_every_mode_and_provider():
    assert len(CASES) == len(FAULT_MODES) * 3 == 54


@pytest.mark.parametrize(("mode", "provider"), CASES, ids=[f"{m}-{p.value}" for m, p in CASES])
def test_invite_fault(emulator, ready_member, caplog, mode, provider):
    with summary.case("provider-faults-invite"):
        serial = 4_000_000 + next(_serial)
        ident = f"fbc-{serial}" if provider is Provider.FEEDBACK_COMPANY else str(serial)
        user = ready_member(provider, ident)
        upload = queue(user, 1)
        emulator.fault(ident, mode)
        caplog.set_level(logging.DEBUG)

        sending.run()

        db.session.expire_all()
        row = db.session.scalars(select(Invitation).where(Invitation.upload_id == upload.id)).one()
        received = emulator.invites()
        status = row.status.value
        assert "klant0@klant.example" not in caplog.text
        assert status in {"sent", "failed", "unknown"}, status
        if status == "failed":
            assert received == [], f"{mode}: marked failed (retryable) but the provider has it"
            assert row.error_message
        if status == "sent":
            assert len(received) == 1
        if mode in MAYBE_RECEIVED:
            assert status == "unknown"
        elif mode in REFUSED:
            assert status == "failed"
        elif mode in {"token_expired", "variant_fields"}:
            assert status == "sent"
