"""Edit versions on specialisms and data-breach entries, the last shared records an edit form
changes without one (0006 covered the others).

Revision ID: 0008_more_edit_versions
Revises: 0007_outbox_delivery
Create Date: 2026-12-05 21:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008_more_edit_versions'
down_revision = '0007_outbox_delivery'
branch_labels = None
depends_on = None

VERSIONED_TABLES = ('specialisms', 'data_breaches')


def upgrade():
    for table in VERSIONED_TABLES:
        # A plain ADD COLUMN on both databases (no SQLite table rebuild), as in 0006.
        op.add_column(table, sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    for table in reversed(VERSIONED_TABLES):
        # Native DROP COLUMN (SQLite 3.35+): a batch rebuild of `specialisms` would cascade.
        op.drop_column(table, 'version')
