"""Optimistic concurrency and idempotent creates: a version column on every shared record that an
edit form changes, and a table of idempotency keys that create forms carry.

A stale save (the version in the form is older than the row's) is refused with 409 instead of
silently overwriting; a repeated or simultaneous submit of a create form finds its key here and
returns the first result instead of creating a second record.

Revision ID: 0006_edit_versions
Revises: 0005_directory_search_vector
Create Date: 2026-12-04 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006_edit_versions'
down_revision = '0005_directory_search_vector'
branch_labels = None
depends_on = None

VERSIONED_TABLES = (
    'companies',
    'review_systems',
    'complaints',
    'complaint_policies',
    'complaint_letter_templates',
    'agreement_versions',
    'settings',
    'reminder_templates',
)


def upgrade():
    for table in VERSIONED_TABLES:
        # A plain ADD COLUMN on both databases (no SQLite table rebuild, so triggers stay).
        op.add_column(table, sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    op.create_table(
        'idempotency_keys',
        sa.Column('scope', sa.String(length=60), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('result', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('scope', 'key'),
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index('ix_idempotency_keys_created_at', ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_idempotency_keys_created_at')
    op.drop_table('idempotency_keys')
    for table in reversed(VERSIONED_TABLES):
        # Native DROP COLUMN, also on SQLite (3.35+): a batch rebuild would drop and re-create
        # `companies`, and with foreign keys on that deletes every row that references it.
        op.drop_column(table, 'version')
