"""Names are encrypted at rest like the numbers: applications.name and customers.name become EncryptedText.

Existing names are encrypted in place with the running backend's field vault (or, from the alembic CLI, the
key BACKEND_DATA_KEY / the sandbox key file names).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("applications", "customers")


def _vault():
    from backend import encrypted
    from backend.config import Settings

    try:
        return encrypted.field_vault()
    except RuntimeError:  # the alembic CLI: no running backend installed one
        return Settings.from_env().vault()


def _rewrite(transform) -> None:
    connection = op.get_bind()
    for table in TABLES:
        rows = connection.execute(sa.text(f"SELECT id, name FROM {table} WHERE name IS NOT NULL")).fetchall()
        for row_id, name in rows:
            update = sa.text(f"UPDATE {table} SET name = :name WHERE id = :id")
            connection.execute(update, {"name": transform(name), "id": row_id})


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("name", type_=sa.Text(), existing_type=sa.String(64))
    _rewrite(_vault().encrypt)


def downgrade() -> None:
    _rewrite(_vault().decrypt)
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("name", type_=sa.String(64), existing_type=sa.Text())
