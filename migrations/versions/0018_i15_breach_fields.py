"""Breach register: likely consequences, whether the breach is in data processed for members
(they get notice within 24 hours), and the reason when the AP is not notified.

Revision ID: 0018_i15_breach_fields
Revises: 0017_i15_audit_definer
Create Date: 2026-12-06 02:50:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018_i15_breach_fields'
down_revision = '0017_i15_audit_definer'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('data_breaches', sa.Column('consequences', sa.Text(), server_default='', nullable=False))
    op.add_column('data_breaches', sa.Column('at_processor', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('data_breaches', sa.Column('no_notice_reason', sa.Text(), server_default='', nullable=False))


def downgrade():
    op.drop_column('data_breaches', 'no_notice_reason')
    op.drop_column('data_breaches', 'at_processor')
    op.drop_column('data_breaches', 'consequences')
