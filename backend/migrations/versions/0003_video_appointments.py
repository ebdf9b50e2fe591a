"""Video-witness appointments, offered after a customer failed a step twice.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "video_appointments",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("application_id", sa.String(40), sa.ForeignKey("applications.id")),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("slot_start", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sandbox", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_video_appointments_sender_id", "video_appointments", ["sender_id"])
    op.create_index("ix_video_appointments_slot_start", "video_appointments", ["slot_start"])


def downgrade() -> None:
    op.drop_index("ix_video_appointments_slot_start", "video_appointments")
    op.drop_index("ix_video_appointments_sender_id", "video_appointments")
    op.drop_table("video_appointments")
