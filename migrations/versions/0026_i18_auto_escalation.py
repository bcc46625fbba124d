"""Complaint register (issue 18, seed 003): automatic escalation of a long delay. The company's
policy says how many working days past the handling deadline the complaint goes to the
coordinator (default 5) and whether the coordinator then also becomes its handler (default off).

Revision ID: 0026_i18_auto_escalation
Revises: 0025_i15_audit_definer_pgtemp
Create Date: 2026-12-06 05:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0026_i18_auto_escalation'
down_revision = '0025_i15_audit_definer_pgtemp'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('complaint_policies', sa.Column('escalate_after_days', sa.Integer(), server_default='5', nullable=False))
    op.add_column('complaint_policies', sa.Column('escalate_reassign', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('complaint_policies', schema=None) as batch_op:
        batch_op.drop_column('escalate_reassign')
        batch_op.drop_column('escalate_after_days')
