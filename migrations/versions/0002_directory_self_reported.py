"""Self-reported scores: mark them in the ledenzoeker rows; clear marks set at submission.

Until now every other system was marked self-reported as soon as it was submitted. The mark now
belongs only to figures staff confirmed, so systems without a confirmed self-reported score lose
it, and the directory rows copy the mark of the current, public system.

Revision ID: 0002_directory_self_reported
Revises: 0001_initial
Create Date: 2026-12-02 18:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0002_directory_self_reported'
down_revision = '0001_initial'
branch_labels = None
depends_on = None

# The SQLite full-text triggers as 0001 created them (frozen: no application imports here).
FTS_SQLITE = (
    "CREATE TRIGGER IF NOT EXISTS directory_entries_fts_ai AFTER INSERT ON directory_entries "
    "BEGIN INSERT INTO directory_fts(rowid, search_text) "
    "VALUES (new.company_id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS directory_entries_fts_ad AFTER DELETE ON directory_entries "
    "BEGIN INSERT INTO directory_fts(directory_fts, rowid, search_text) "
    "VALUES ('delete', old.company_id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS directory_entries_fts_au "
    "AFTER UPDATE OF search_text ON directory_entries "
    "BEGIN INSERT INTO directory_fts(directory_fts, rowid, search_text) "
    "VALUES ('delete', old.company_id, old.search_text); "
    "INSERT INTO directory_fts(rowid, search_text) "
    "VALUES (new.company_id, new.search_text); END",
    "INSERT INTO directory_fts(directory_fts) VALUES ('rebuild')",
)

review_systems = sa.table(
    'review_systems',
    sa.column('id', sa.Integer),
    sa.column('company_id', sa.Integer),
    sa.column('status', sa.String),
    sa.column('is_current', sa.Boolean),
    sa.column('self_reported', sa.Boolean),
)
scores = sa.table(
    'self_reported_scores',
    sa.column('review_system_id', sa.Integer),
    sa.column('status', sa.String),
)
entries = sa.table(
    'directory_entries',
    sa.column('company_id', sa.Integer),
    sa.column('self_reported', sa.Boolean),
)


def upgrade():
    # Adding a column keeps the table (no batch rebuild), so the SQLite FTS triggers stay.
    op.add_column(
        'directory_entries',
        sa.Column('self_reported', sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    confirmed = sa.select(scores.c.review_system_id).where(scores.c.status == 'CONFIRMED')
    op.execute(
        review_systems.update()
        .where(review_systems.c.self_reported.is_(sa.true()), review_systems.c.id.not_in(confirmed))
        .values(self_reported=False)
    )
    marked = sa.select(review_systems.c.company_id).where(
        review_systems.c.is_current.is_(sa.true()),
        review_systems.c.self_reported.is_(sa.true()),
        review_systems.c.status.in_(('ACTIVE', 'APPROVED')),
    )
    op.execute(entries.update().where(entries.c.company_id.in_(marked)).values(self_reported=True))


def downgrade():
    # The cleared submission marks are not restored: they were wrong.
    with op.batch_alter_table('directory_entries', schema=None) as batch_op:
        batch_op.drop_column('self_reported')
    # SQLite rebuilds the table for the drop, which takes its full-text triggers along.
    if op.get_bind().dialect.name == 'sqlite':
        for statement in FTS_SQLITE:
            op.execute(statement)
