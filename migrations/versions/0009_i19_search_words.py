"""The admins' list of consumer words for trades (ledenzoeker synonyms and compounds).

Revision ID: 0009_i19_search_words
Revises: 0008_more_edit_versions
Create Date: 2026-12-05 23:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009_i19_search_words'
down_revision = '0008_more_edit_versions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'directory_search_words',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade():
    op.drop_table('directory_search_words')
