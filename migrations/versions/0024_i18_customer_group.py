"""Complaint register (issue 18): the customer group of a complaint (particulier, zakelijk, VvE,
woningcorporatie, overheid of instelling), for filters and figures per group.

Revision ID: 0024_i18_customer_group
Revises: 0023_i18_work_instruction
Create Date: 2026-12-06 03:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0024_i18_customer_group'
down_revision = '0023_i18_work_instruction'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('complaints', sa.Column('customer_group', sa.String(length=20), server_default='', nullable=False))


def downgrade():
    op.drop_column('complaints', 'customer_group')
