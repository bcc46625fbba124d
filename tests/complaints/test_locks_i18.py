"""The one row-lock helper (portal/core/concurrency.lock_row) the complaint steps share."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql

from portal.complaints.models import Complaint
from portal.core import concurrency
from portal.extensions import db
from portal.members.models import Company


def _locked_sql(monkeypatch, model, row_id) -> str:
    seen = []
    execute = db.session.execute

    def spy(statement, *args, **kwargs):
        seen.append(statement)
        return execute(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "execute", spy)
    concurrency.lock_row(model, row_id)
    (statement,) = seen
    return str(statement.compile(dialect=postgresql.dialect()))


def test_lock_row_selects_the_primary_key_for_update(app, monkeypatch, member, make_complaint):
    complaint = make_complaint(member.company)
    sql = _locked_sql(monkeypatch, Complaint, complaint.id)
    assert "FROM complaints" in sql and "complaints.id = " in sql
    assert sql.rstrip().endswith("FOR UPDATE")
    sql = _locked_sql(monkeypatch, Company, member.company_id)
    assert "FROM companies" in sql and sql.rstrip().endswith("FOR UPDATE")
