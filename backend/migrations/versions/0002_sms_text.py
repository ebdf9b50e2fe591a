"""The sandbox outbox keeps the SMS text and its language (the code's message in the customer's language).

Revision ID: 0002
Revises: 0001
Create Date: 2025-06-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sandbox_outbox") as batch:
        batch.add_column(sa.Column("text", sa.Text()))
        batch.add_column(sa.Column("lang", sa.String(8)))


def downgrade() -> None:
    with op.batch_alter_table("sandbox_outbox") as batch:
        batch.drop_column("lang")
        batch.drop_column("text")
