"""Complaint register (issue 18): a company's own work instruction (werkinstructie); empty means
the association's default text.

Revision ID: 0023_i18_work_instruction
Revises: 0022_i18_actions
Create Date: 2026-12-06 03:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023_i18_work_instruction'
down_revision = '0022_i18_actions'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('complaint_policies', sa.Column('work_instruction', sa.Text(), server_default='', nullable=False))


def downgrade():
    op.drop_column('complaint_policies', 'work_instruction')
