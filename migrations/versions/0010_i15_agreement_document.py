"""Processor agreement as a whole document: versions freeze parties, processing details and
sub-processors with a digest of everything; acceptances outlive an erased company (proof).

Revision ID: 0010_i15_agreement_document
Revises: 0009_i19_search_words
Create Date: 2026-12-05 23:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_i15_agreement_document"
down_revision = "0009_i19_search_words"
branch_labels = None
depends_on = None

FK = "fk_agreement_acceptances_company_id_companies"


def upgrade():
    op.add_column(
        "agreement_versions", sa.Column("context", sa.Text(), server_default="", nullable=False)
    )
    op.add_column(
        "agreement_versions",
        sa.Column("document_sha256", sa.String(length=64), server_default="", nullable=False),
    )
    with op.batch_alter_table("agreement_acceptances", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("company_name", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("company_kvk", sa.String(length=8), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "company_member_number", sa.String(length=20), server_default="", nullable=False
            )
        )
        batch_op.add_column(sa.Column("retain_until", sa.Date(), nullable=True))
        batch_op.alter_column("company_id", existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint(FK, type_="foreignkey")
        batch_op.create_foreign_key(FK, "companies", ["company_id"], ["id"], ondelete="SET NULL")
        batch_op.create_index(
            batch_op.f("ix_agreement_acceptances_retain_until"), ["retain_until"], unique=False
        )
    # The proof names the company as it was when accepted.
    op.execute(
        "UPDATE agreement_acceptances SET company_name = (SELECT legal_name FROM companies "
        "WHERE companies.id = agreement_acceptances.company_id), company_kvk = (SELECT kvk_number "
        "FROM companies WHERE companies.id = agreement_acceptances.company_id), "
        "company_member_number = (SELECT member_number FROM companies "
        "WHERE companies.id = agreement_acceptances.company_id) WHERE company_id IS NOT NULL"
    )


def downgrade():
    # Acceptances of erased companies cannot point at a company again: they go with the column.
    op.execute("DELETE FROM agreement_acceptances WHERE company_id IS NULL")
    with op.batch_alter_table("agreement_acceptances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreement_acceptances_retain_until"))
        batch_op.drop_constraint(FK, type_="foreignkey")
        batch_op.create_foreign_key(FK, "companies", ["company_id"], ["id"], ondelete="CASCADE")
        batch_op.alter_column("company_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("retain_until")
        batch_op.drop_column("company_member_number")
        batch_op.drop_column("company_kvk")
        batch_op.drop_column("company_name")
    op.drop_column("agreement_versions", "document_sha256")
    op.drop_column("agreement_versions", "context")
