"""Pending review-system switches: a requested replacement waits next to the working system.

Revision ID: 0013_i20_pending_switch
Revises: 0012_i15_retention
Create Date: 2026-12-05 22:45:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013_i20_pending_switch'
down_revision = '0012_i15_retention'
branch_labels = None
depends_on = None


def upgrade():
    # Adding a column keeps the table (no batch rebuild); existing rows are never pending.
    op.add_column(
        'review_systems',
        sa.Column('pending', sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    # A pending request cannot exist without the column: it ends, the working system stays.
    review_systems = sa.table(
        'review_systems',
        sa.column('pending', sa.Boolean),
        sa.column('status', sa.String),
    )
    op.execute(
        review_systems.update()
        .where(review_systems.c.pending.is_(sa.true()))
        .values(status='ENDED')
    )
    # A plain DROP COLUMN (SQLite >= 3.35): a batch rebuild would lose the partial unique index.
    op.drop_column('review_systems', 'pending')
