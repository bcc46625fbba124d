"""Directory result cache: store the directory version a body was rendered from.

A cache read then checks the version in the same query. Cached bodies are disposable, so the
upgrade and the downgrade both start from an empty cache.

Revision ID: 0004_result_cache_version
Revises: 0003_audit_append_only
Create Date: 2026-12-03 13:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004_result_cache_version'
down_revision = '0003_audit_append_only'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM directory_result_cache")
    with op.batch_alter_table('directory_result_cache') as batch_op:
        batch_op.add_column(
            sa.Column('version', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade():
    op.execute("DELETE FROM directory_result_cache")
    with op.batch_alter_table('directory_result_cache') as batch_op:
        batch_op.drop_column('version')
