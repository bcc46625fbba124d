"""Invitation fixtures: the provider emulator (shared with tests/reviews) and a ready member."""

from __future__ import annotations

import pytest

from portal.agreements import services as agreements
from portal.agreements.clauses import DEFAULT_BODY
from portal.extensions import db
from portal.reviews.models import Provider
from tests.reviews.conftest import (  # noqa: F401  (fixtures re-exported for this package)
    Emulator,
    emulator,
    emulator_config,
    emulator_server,
    make_link,
    played_mode,
)


@pytest.fixture
def app_config(emulator, request):  # noqa: F811 - the imported fixture
    """Every provider points at the emulator; invite calls time out fast in the waiting modes."""
    return emulator_config(emulator, played_mode(request), INVITE_DEDUPE_DAYS=30)


@pytest.fixture
def ready_member(make_user, make_link):  # noqa: F811 - the imported fixture
    """Factory: a beheerder whose company has a linked provider and accepted the agreement."""

    def make(
        provider: Provider = Provider.KLANTENVERTELLEN,
        ident: str = "1000001",
        *,
        accepted: bool = True,
    ):
        system = make_link(provider, ident)
        user = make_user(company=system.company)
        version = agreements.publish_default()
        if accepted:
            agreements.accept(system.company, version, by=user, signatory_name=user.name)
        db.session.commit()
        return user

    return make


@pytest.fixture
def publish_new_agreement(make_user):
    """`publish_new_agreement()` publishes version 2026.9: every company must accept it again."""

    def publish():
        admin = make_user(role="admin")
        draft = agreements.create_draft(
            label="2026.9", title="V2", body=DEFAULT_BODY, summary="", by=admin
        )
        agreements.publish(draft, by=admin)
        db.session.commit()
        return draft

    return publish
