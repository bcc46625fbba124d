"""The complaint state machine: every (state, action) pair, required data, attribution."""

from __future__ import annotations

from datetime import date

import pytest

from portal.complaints import services
from portal.complaints.models import ComplaintStatus as S
from portal.complaints.models import Verdict
from portal.complaints.services import Action as A
from portal.complaints.services import ComplaintError, TransitionError
from portal.extensions import db

ALLOWED = {
    (S.RECEIVED, A.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.ACKNOWLEDGED, A.START): S.IN_PROGRESS,
    (S.IN_PROGRESS, A.PROPOSE): S.SOLUTION_PROPOSED,
    (S.IN_PROGRESS, A.CLOSE): S.CLOSED,
    (S.SOLUTION_PROPOSED, A.RESUME): S.IN_PROGRESS,
    (S.SOLUTION_PROPOSED, A.CLOSE): S.CLOSED,
    (S.CLOSED, A.REOPEN): S.DISPUTED,
    (S.DISPUTED, A.RESUME): S.IN_PROGRESS,
    (S.DISPUTED, A.CLOSE): S.CLOSED,
    (S.REOPENED, A.RESUME): S.IN_PROGRESS,  # a repeat problem after repair (issue 18)
    (S.REOPENED, A.CLOSE): S.CLOSED,
}
ALL_PAIRS = [(s, a) for s in S for a in A]


@pytest.mark.parametrize(("state", "action"), ALL_PAIRS, ids=lambda v: str(v.value))
def test_transition_table(state, action):
    if (state, action) in ALLOWED:
        assert services.next_status(state, action) is ALLOWED[(state, action)]
        assert action in services.allowed_actions(state)
    else:
        with pytest.raises(TransitionError):
            services.next_status(state, action)
        assert action not in services.allowed_actions(state)


def test_forbidden_pairs_are_the_majority():
    assert len(ALL_PAIRS) == 42
    assert len(ALL_PAIRS) - len(ALLOWED) == 31


@pytest.mark.parametrize(
    ("action", "data", "missing"),
    [
        (A.ACKNOWLEDGE, {}, set()),
        (A.PROPOSE, {}, {"resolution"}),
        (A.PROPOSE, {"resolution": "  "}, {"resolution"}),
        (A.PROPOSE, {"resolution": "Nieuwe pakking"}, set()),
        (A.CLOSE, {}, {"resolution", "verdict"}),
        (A.CLOSE, {"resolution": "x", "verdict": "justified"}, set()),
        (A.CLOSE, {"resolution": "x", "verdict": "doubtful"}, set()),
        (A.CLOSE, {"resolution": "x", "verdict": "unjustified"}, {"verdict_reason"}),
        (
            A.CLOSE,
            {"resolution": "x", "verdict": "unjustified", "verdict_reason": "Garantie verlopen"},
            set(),
        ),
        (A.REOPEN, {}, {"reopen_kind"}),
        (A.REOPEN, {"reopen_kind": "dispute"}, {"dispute_route"}),
        (A.REOPEN, {"reopen_kind": "dispute", "dispute_route": "De Geschillencommissie"}, set()),
        (A.REOPEN, {"reopen_kind": "repeat"}, set()),
        (A.REOPEN, {"reopen_kind": "bogus", "dispute_route": "x"}, {"reopen_kind"}),
    ],
)
def test_required_data_per_action(action, data, missing):
    assert set(services.missing_for(action, data)) == missing


CLOSE = {"resolution": "Ketel vervangen", "verdict": "justified", "satisfaction": "good"}


def test_full_path_is_timestamped_and_attributed(member, colleague, make_complaint):
    complaint = make_complaint(member.company, by=member)
    today = date(2026, 3, 10)
    steps = [
        (A.ACKNOWLEDGE, {}, member),
        (A.START, {"note": "Monteur ingepland"}, colleague),
        (A.PROPOSE, {"resolution": "Nieuwe pakking"}, colleague),
        (A.CLOSE, CLOSE, colleague),
        (
            A.REOPEN,
            {
                "reopen_kind": "dispute",
                "dispute_route": "De Geschillencommissie",
                "dispute_reference": "GC-1",
            },
            member,
        ),
        (A.CLOSE, CLOSE, member),
    ]
    for action, data, user in steps:
        services.apply_action(complaint, action, data, by=user, today=today)
    db.session.commit()
    transitions = [e for e in complaint.events if e.kind == "transition"]
    assert [(e.from_status, e.to_status, e.actor_id) for e in transitions] == [
        ("received", "acknowledged", member.id),
        ("acknowledged", "in_progress", colleague.id),
        ("in_progress", "solution_proposed", colleague.id),
        ("solution_proposed", "closed", colleague.id),
        ("closed", "disputed", member.id),
        ("disputed", "closed", member.id),
    ]
    assert all(e.created_at is not None and e.created_at.tzinfo for e in transitions)
    assert transitions[1].note == "Monteur ingepland"
    assert complaint.status is S.CLOSED
    assert complaint.reopen_count == 1
    assert complaint.dispute_route == "De Geschillencommissie"
    assert complaint.verdict is Verdict.JUSTIFIED
    assert complaint.first_closed_on == today and complaint.closed_on == today
    assert complaint.acknowledged_at is not None


def test_forbidden_step_changes_nothing(member, make_complaint):
    complaint = make_complaint(member.company)
    with pytest.raises(TransitionError):
        services.apply_action(complaint, A.CLOSE, CLOSE, by=member, today=date(2026, 3, 3))
    assert complaint.status is S.RECEIVED
    assert [e.kind for e in complaint.events] == ["created"]


def test_missing_reason_names_the_field(member, make_complaint):
    complaint = make_complaint(member.company)
    for action in (A.ACKNOWLEDGE, A.START):
        services.apply_action(complaint, action, {}, by=member, today=date(2026, 3, 3))
    with pytest.raises(ComplaintError) as caught:
        services.apply_action(
            complaint,
            A.CLOSE,
            {"resolution": "Nee", "verdict": "unjustified"},
            by=member,
            today=date(2026, 3, 3),
        )
    assert caught.value.field == "verdict_reason"
    assert complaint.status is S.IN_PROGRESS
    assert complaint.closed_on is None


def test_references_count_per_company_and_year(member, make_user, make_complaint):
    other = make_user().company
    refs = [
        make_complaint(member.company, received_on=date(2026, 1, 5)).reference,
        make_complaint(member.company, received_on=date(2026, 2, 5)).reference,
        make_complaint(other, received_on=date(2026, 2, 5)).reference,
        make_complaint(member.company, received_on=date(2027, 1, 4)).reference,
    ]
    assert refs == ["K-2026-0001", "K-2026-0002", "K-2026-0001", "K-2027-0001"]


def test_handler_must_be_a_colleague(member, colleague, make_user, make_complaint):
    complaint = make_complaint(member.company)
    stranger = make_user()
    with pytest.raises(ComplaintError):
        services.assign_handler(complaint, stranger, by=member)
    services.assign_handler(complaint, colleague, by=member)
    assert complaint.handler_id == colleague.id
    assert complaint.events[-1].kind == "assigned"
