"""Double recording and deletion across stores: the recording of a voice consent, and every conversation
linked to an application.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("consent_records", sa.Column("audio_sha256", sa.String(64)))
    op.create_table(
        "application_senders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("application_id", sa.String(40), sa.ForeignKey("applications.id"), nullable=False),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("linked_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("application_id", "sender_id", name="uq_application_senders"),
    )
    op.create_index("ix_application_senders_application_id", "application_senders", ["application_id"])
    # Applications created before this revision: their creating conversation is the one still known.
    op.execute(
        "INSERT INTO application_senders (application_id, sender_id, linked_at) "
        "SELECT id, sender_id, created_at FROM applications WHERE sender_id <> 'erased'"
    )


def downgrade() -> None:
    op.drop_index("ix_application_senders_application_id", "application_senders")
    op.drop_table("application_senders")
    with op.batch_alter_table("consent_records") as batch:
        batch.drop_column("audio_sha256")
