"""E-mail change confirmed by a link to the new address: the token row carries that address.

Revision ID: 0016_i15_email_change
Revises: 0015_i18_complaint_details
Create Date: 2026-12-06 02:10:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016_i15_email_change'
down_revision = '0015_i18_complaint_details'
branch_labels = None
depends_on = None


def upgrade():
    # Adding a nullable column keeps the table (no batch rebuild).
    op.add_column('user_tokens', sa.Column('new_email', sa.String(length=254), nullable=True))


def downgrade():
    # A pending e-mail change cannot exist without its address: it lapses.
    user_tokens = sa.table('user_tokens', sa.column('purpose', sa.String))
    op.execute(user_tokens.delete().where(user_tokens.c.purpose == 'EMAIL'))
    op.drop_column('user_tokens', 'new_email')
