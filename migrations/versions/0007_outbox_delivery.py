"""Mail outbox: Message-ID, claim time, encrypted personal link, purge time; scrub links already stored.

Bodies queued before this revision hold live reset and activation links in plain text. The
upgrade replaces every such link by the redaction marker (a link that was not yet sent stops
working; the user asks for a new one), so no database dump or backup made afterwards holds one.
The downgrade drops the columns; links are not restored.

Revision ID: 0007_outbox_delivery
Revises: 0006_edit_versions
Create Date: 2026-12-05 20:15:00

"""
import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007_outbox_delivery'
down_revision = '0006_edit_versions'
branch_labels = None
depends_on = None

LINK = re.compile(r"\S*/(?:wachtwoord-herstellen|activeren)/[A-Za-z0-9_\-]+")
REDACTED = "[persoonlijke link verborgen]"


def upgrade():
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("message_id", sa.String(255), nullable=False, server_default=""))
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("secret", sa.Text(), nullable=True))
        batch.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    messages = sa.table(
        "outbox_messages", sa.column("id", sa.Integer), sa.column("body", sa.Text)
    )
    rows = bind.execute(
        sa.select(messages.c.id, messages.c.body).where(
            messages.c.body.like("%/wachtwoord-herstellen/%")
            | messages.c.body.like("%/activeren/%")
        )
    ).all()
    for row_id, body in rows:
        bind.execute(
            messages.update()
            .where(messages.c.id == row_id)
            .values(body=LINK.sub(REDACTED, body))
        )


def downgrade():
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("purged_at")
        batch.drop_column("secret")
        batch.drop_column("claimed_at")
        batch.drop_column("message_id")
