"""Ledenzoeker logos (issue 19): the logo version on each public row, and the resized logos
shared by all workers.

Revision ID: 0019_i19_logos
Revises: 0018_i15_breach_fields
Create Date: 2026-12-06 02:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019_i19_logos'
down_revision = '0018_i15_breach_fields'
branch_labels = None
depends_on = None

# The SQLite full-text triggers as in models.py (frozen copy): a batch drop rebuilds the table.
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


def upgrade():
    # Empty: no logo (rows are rebuilt with it by the next refresh, `flask directory reindex`).
    op.add_column('directory_entries', sa.Column('logo_version', sa.String(length=16), server_default='', nullable=False))
    op.create_table('directory_logos',
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('size', sa.String(length=8), nullable=False),
    sa.Column('version', sa.String(length=16), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_directory_logos_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('company_id', 'size', name=op.f('pk_directory_logos'))
    )


def downgrade():
    op.drop_table('directory_logos')
    with op.batch_alter_table('directory_entries', schema=None) as batch_op:
        batch_op.drop_column('logo_version')
    # SQLite rebuilds the table for the drop, which takes its full-text triggers along.
    if op.get_bind().dialect.name == 'sqlite':
        for statement in FTS_SQLITE:
            op.execute(statement)
