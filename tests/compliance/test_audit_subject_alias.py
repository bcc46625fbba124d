"""Older audit rows name a session "session", newer ones "user_session": one type to staff."""

from __future__ import annotations

from portal.core import audit, audit_text
from portal.core.models import AuditEvent
from portal.extensions import db


def test_both_session_names_have_the_same_dutch_label(app):
    with app.test_request_context():
        assert audit_text.subject_text("session") == audit_text.subject_text("user_session")
        assert audit_text.subject_text("user_session") == "sessie"


def test_audit_search_treats_the_old_session_name_as_an_alias(staff_client, staff):
    audit.record("auth.session_ended", actor=staff, subject_type="session", subject_id="old-1")
    audit.record("auth.session_ended", actor=staff, subject_type="user_session", subject_id="new-2")
    audit.record("auth.login", actor=staff, subject_type="user", subject_id="other-3")
    db.session.commit()
    for term in ("user_session", "USER_SESSION", "session"):
        html = staff_client.get(f"/beheer/audit?q={term}").text
        assert "old-1" in html and "new-2" in html and "other-3" not in html, term
    html = staff_client.get("/beheer/audit?q=user_session").text
    assert html.count("sessie") >= 2
    # History is not rewritten.
    assert {e.subject_type for e in db.session.query(AuditEvent)} >= {"session", "user_session"}
