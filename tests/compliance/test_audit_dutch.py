"""The audit log speaks Dutch to staff: descriptions per event type, no None, no '(staff)'."""

from __future__ import annotations

import re

import pytest

from portal.core import audit, audit_text
from portal.core.audit_text import ACTIONS
from portal.extensions import db


def visible_cells(html: str) -> str:
    """The table text without the technical <details> block."""
    body = re.sub(r"<details.*?</details>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


def test_events_are_described_in_dutch_with_raw_code_in_details(staff_client, staff, make_company):
    company = make_company(member_number="L000888")
    audit.record(
        "review_system.provisioned", actor=staff, company=company,
        subject_type="review_system", subject_id="abc-123",
        changes=audit.diff({}, {"provider": "klantenvertellen", "status": "active",
                                "is_current": True, "location_id": ""}),
    )  # fmt: skip
    db.session.commit()
    html = staff_client.get("/beheer/audit?lid=L000888").text
    text = visible_cells(html)
    assert "Klantenvertellen-account klaargezet" in text
    assert f"{staff.name}, ledenservice" in text
    assert "(staff)" not in text and "None" not in text
    assert "review_system.provisioned" not in text
    assert "huidig systeem" in text and "ja" in text and "actief" in text
    details = re.search(r"<details.*?</details>", html, re.S).group(0)
    assert "<code>review_system.provisioned</code>" in details and "abc-123" in details
    # The action filter offers Dutch group names, with the code prefixes as values.
    assert '<option value="review_system" >Beoordelingssystemen</option>' in html


def test_every_action_the_portal_records_has_a_description():
    import pathlib

    codes = set()
    for path in pathlib.Path("portal").rglob("*.py"):
        source = path.read_text()
        codes.update(re.findall(r'audit\.record\(\s*"([a-z_]+\.[a-z_]+)"', source))
        codes.update(re.findall(r'action="([a-z_]+\.[a-z_]+)"', source))
        codes.update(re.findall(r'_audit\(\s*"([a-z_]+\.[a-z_]+)"', source))
        codes.update(re.findall(r'audit_change\(\s*"([a-z_]+\.[a-z_]+)"', source))
    codes.update(f"review_system.{s}" for s in ("approved", "rejected", "more_info"))
    codes.update(f"compliance.score_{s}" for s in ("confirmed", "rejected"))
    assert codes, "the scan found no audit calls"
    assert sorted(codes - set(ACTIONS)) == []


@pytest.mark.parametrize(
    ("label", "shown"),
    [
        ("Jan Jansen (staff)", "Jan Jansen, ledenservice"),
        ("Eva (admin)", "Eva, beheerder"),
        ("Piet (member)", "Piet, lid"),
        ("systeem", "systeem"),
        ("", "onbekend"),
        ("Naam (met haakjes) (staff)", "Naam (met haakjes), ledenservice"),
    ],
)
def test_actor_text(app, label, shown):
    with app.test_request_context():
        assert audit_text.actor_text(label) == shown


def test_values_never_show_none(app):
    with app.test_request_context():
        rows = audit_text.changes(
            {"status": {"old": None, "new": "ended"}, "pending": {"old": True, "new": False},
             "kind": "geen_systeem", "x_y": {"old": [], "new": ["a", None]}}
        )  # fmt: skip
    assert [(r.field, r.old, r.new, r.plain) for r in rows] == [
        ("soort", "", "", "herinnering: geen klantbeoordelingssysteem"),
        ("wacht op activering", "ja", "nee", ""),
        ("status", "–", "beëindigd", ""),
        ("x y", "–", "a, –", ""),
    ]
