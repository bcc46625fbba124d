"""Complaint register (issue 18): solutions offered to the customer with the customer's choice,
and a company's list of standard compensations.

Revision ID: 0021_i18_solutions
Revises: 0020_i18_attachments
Create Date: 2026-12-06 02:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0021_i18_solutions'
down_revision = '0020_i18_attachments'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('complaint_policies', sa.Column('compensations', sa.Text(), server_default='', nullable=False))
    op.create_table('complaint_solutions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=36), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('compensation', sa.String(length=80), nullable=False),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('chosen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_label', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_complaint_solutions_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_solutions_complaint_id_complaints'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_solutions')),
    sa.UniqueConstraint('public_id', name=op.f('uq_complaint_solutions_public_id'))
    )
    with op.batch_alter_table('complaint_solutions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_solutions_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_solutions_complaint_id'), ['complaint_id'], unique=False)


def downgrade():
    with op.batch_alter_table('complaint_solutions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_solutions_complaint_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_solutions_company_id'))
    op.drop_table('complaint_solutions')
    op.drop_column('complaint_policies', 'compensations')
