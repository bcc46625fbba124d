"""Complaint register fixes (issue 18): missed deadlines, reopening kinds, anonymised facts.

- `missed_due_on`: the first handling deadline that passed with the complaint open (backfilled
  from complaints first closed after their deadline);
- `extended_on`: the day the deadline was extended in the current handling round;
- `reopen_kind`, `repeat_count`: a repeat problem after repair is not a dispute (existing
  reopenings were all disputes);
- `anonymised_at`: the retention purge keeps the statistical facts of a complaint.

Revision ID: 0014_i18_complaint_rounds
Revises: 0013_i20_pending_switch
Create Date: 2026-12-05 22:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_i18_complaint_rounds'
down_revision = '0013_i20_pending_switch'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs (no SQLite table rebuild, which would cascade to the child tables).
    op.add_column('complaints', sa.Column('repeat_count', sa.Integer(), server_default='0', nullable=False))
    op.add_column('complaints', sa.Column('reopen_kind', sa.String(length=10), nullable=True))
    op.add_column('complaints', sa.Column('missed_due_on', sa.Date(), nullable=True))
    op.add_column('complaints', sa.Column('extended_on', sa.Date(), nullable=True))
    op.add_column('complaints', sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))
    complaints = sa.table(
        'complaints',
        sa.column('due_on', sa.Date()),
        sa.column('first_closed_on', sa.Date()),
        sa.column('missed_due_on', sa.Date()),
        sa.column('reopen_count', sa.Integer()),
        sa.column('reopen_kind', sa.String()),
    )
    op.execute(
        complaints.update()
        .where(complaints.c.first_closed_on > complaints.c.due_on)
        .values(missed_due_on=complaints.c.due_on)
    )
    op.execute(
        complaints.update().where(complaints.c.reopen_count > 0).values(reopen_kind='DISPUTE')  # enum names, as SQLAlchemy stores them
    )


def downgrade():
    # Native DROP COLUMN (SQLite 3.35+).
    for name in ('anonymised_at', 'extended_on', 'missed_due_on', 'reopen_kind', 'repeat_count'):
        op.drop_column('complaints', name)
