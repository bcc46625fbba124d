"""Audit log append-only: triggers refuse UPDATE and DELETE on audit_events.

Only the privacy erasure may replace actor labels (a session setting on PostgreSQL, a one-row
control table on SQLite), and ON DELETE SET NULL may clear the references. See
portal/core/audit_guard.py.

Revision ID: 0003_audit_append_only
Revises: 0002_directory_self_reported
Create Date: 2026-12-02 18:10:00

"""
from alembic import op

from portal.core.audit_guard import create_guard, drop_guard


# revision identifiers, used by Alembic.
revision = '0003_audit_append_only'
down_revision = '0002_directory_self_reported'
branch_labels = None
depends_on = None


def upgrade():
    create_guard(op.get_bind())


def downgrade():
    drop_guard(op.get_bind())
