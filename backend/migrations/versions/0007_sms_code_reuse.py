"""A code sent moments ago is reused by a new conversation for the same phone, instead of a second SMS:
the reusing challenge points at the one that was sent (`origin_id`), whose tries it shares.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sms_challenges") as batch:
        batch.add_column(sa.Column("origin_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sms_challenges") as batch:
        batch.drop_column("origin_id")
