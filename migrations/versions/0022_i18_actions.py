"""Complaint register (issue 18): corrective and improvement actions with an owner, a due date
and their follow-up (reminded once, overdue signalled once).

Revision ID: 0022_i18_actions
Revises: 0021_i18_solutions
Create Date: 2026-12-06 02:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0022_i18_actions'
down_revision = '0021_i18_solutions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('complaint_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=36), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('CORRECTIVE', 'IMPROVEMENT', name='actionkind', native_enum=False, length=12), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('reminded_on', sa.Date(), nullable=True),
    sa.Column('overdue_signalled_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_label', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_complaint_actions_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_actions_complaint_id_complaints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_complaint_actions_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_actions')),
    sa.UniqueConstraint('public_id', name=op.f('uq_complaint_actions_public_id'))
    )
    with op.batch_alter_table('complaint_actions', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_actions_company_due', ['company_id', 'done_on', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_actions_complaint_id'), ['complaint_id'], unique=False)


def downgrade():
    with op.batch_alter_table('complaint_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_actions_complaint_id'))
        batch_op.drop_index('ix_complaint_actions_company_due')
    op.drop_table('complaint_actions')
