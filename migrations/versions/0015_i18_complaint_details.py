"""Complaint register (issue 18): severity, the job (work order, installation, technician),
costs, a complaints coordinator per company, the investigation log, aftercare and the
complainant's status-page token (stored hashed).

Revision ID: 0015_i18_complaint_details
Revises: 0014_i18_complaint_rounds
Create Date: 2026-12-05 23:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015_i18_complaint_details'
down_revision = '0014_i18_complaint_rounds'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs (no SQLite table rebuild, which would cascade to the child tables).
    op.add_column('complaints', sa.Column('severity', sa.Enum('NORMAL', 'SERIOUS', 'CRITICAL', name='severity', native_enum=False, length=10), server_default='NORMAL', nullable=False))
    op.add_column('complaints', sa.Column('work_order', sa.String(length=60), server_default='', nullable=False))
    op.add_column('complaints', sa.Column('installation_type', sa.String(length=60), server_default='', nullable=False))
    op.add_column('complaints', sa.Column('technician', sa.String(length=120), server_default='', nullable=False))
    op.add_column('complaints', sa.Column('costs', sa.Numeric(precision=10, scale=2), nullable=True))
    op.add_column('complaints', sa.Column('followup_done_on', sa.Date(), nullable=True))
    op.add_column('complaints', sa.Column('followup_outcome', sa.Text(), server_default='', nullable=False))
    op.add_column('complaints', sa.Column('status_token_hash', sa.String(length=64), nullable=True))
    # A unique index (SQLite cannot add a constraint without a table rebuild).
    op.create_index('ix_complaints_status_token_hash', 'complaints', ['status_token_hash'], unique=True)
    # SQLite cannot add a named foreign key with ALTER TABLE: the policy table has no children,
    # so a batch rebuild is safe there.
    with op.batch_alter_table('complaint_policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coordinator_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_complaint_policies_coordinator_id_users'), 'users', ['coordinator_id'], ['id'], ondelete='SET NULL')
    op.create_table('complaint_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('NOTE', 'CONTACT', name='notekind', native_enum=False, length=10), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_complaint_notes_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_complaint_notes_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_notes_complaint_id_complaints'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_notes'))
    )
    with op.batch_alter_table('complaint_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_notes_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_notes_complaint_id'), ['complaint_id'], unique=False)


def downgrade():
    with op.batch_alter_table('complaint_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_notes_complaint_id'))
        batch_op.drop_index(batch_op.f('ix_complaint_notes_company_id'))
    op.drop_table('complaint_notes')
    with op.batch_alter_table('complaint_policies', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_complaint_policies_coordinator_id_users'), type_='foreignkey')
        batch_op.drop_column('coordinator_id')
    op.drop_index('ix_complaints_status_token_hash', table_name='complaints')
    for name in ('status_token_hash', 'followup_outcome', 'followup_done_on', 'costs', 'technician', 'installation_type', 'work_order', 'severity'):
        op.drop_column('complaints', name)
