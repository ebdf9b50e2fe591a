"""Initial schema: applications and every record the account-opening steps keep.

Revision ID: 0001
Revises:
Create Date: 2025-06-01

Written out in full rather than imported from models.py: a migration must keep describing the schema
as it was, whatever the models become. tests/backend checks that the two agree today.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APP_ID = sa.String(40)
DIGEST = sa.String(64)


def _app_fk() -> sa.Column:
    return sa.Column("application_id", APP_ID, sa.ForeignKey("applications.id"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("id", APP_ID, primary_key=True),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("consent", sa.Boolean()),
        sa.Column("phone_enc", sa.Text()),
        sa.Column("phone_hmac", DIGEST),
        sa.Column("phone_masked", sa.String(16)),
        sa.Column("phone_verified_at", sa.DateTime()),
        sa.Column("name", sa.String(64)),
        sa.Column("id_number_enc", sa.Text()),
        sa.Column("id_number_hmac", DIGEST),
        sa.Column("id_masked", sa.String(18)),
        sa.Column("identity_verified_at", sa.DateTime()),
        sa.Column("age", sa.Integer()),
        sa.Column("liveness_session_id", sa.String(80)),
        sa.Column("liveness_status", sa.String(16)),
        sa.Column("risk_level", sa.String(2)),
        sa.Column("agreement_signed_at", sa.DateTime()),
        sa.Column("account_number", sa.String(12), unique=True),
        sa.Column("review_reasons", sa.JSON()),
        sa.Column("refusal_reason", sa.String(32)),
        sa.Column("cancel_reason", sa.String(32)),
        sa.Column("merged_into", APP_ID),
        sa.Column("paused_at", sa.DateTime()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    for column in ("sender_id", "status", "phone_hmac", "id_number_hmac"):
        op.create_index(f"ix_applications_{column}", "applications", [column])

    op.create_table(
        "consent_records",
        sa.Column("id", sa.Integer(), primary_key=True),
        _app_fk(),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("notice_version", sa.String(32), nullable=False),
        sa.Column("utterance", sa.Text()),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("copied_from", sa.Integer()),
    )
    op.create_index("ix_consent_records_application_id", "consent_records", ["application_id"])

    op.create_table(
        "sms_challenges",
        sa.Column("id", sa.Integer(), primary_key=True),
        _app_fk(),
        sa.Column("phone_hmac", DIGEST, nullable=False),
        sa.Column("salt", sa.String(32), nullable=False),
        sa.Column("code_hash", DIGEST, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("verified_at", sa.DateTime()),
        sa.Column("superseded", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_sms_challenges_application_id", "sms_challenges", ["application_id"])
    op.create_index("ix_sms_challenges_phone_hmac", "sms_challenges", ["phone_hmac"])

    op.create_table(
        "sandbox_outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("phone_hmac", DIGEST, nullable=False),
        sa.Column("phone_masked", sa.String(16), nullable=False),
        sa.Column("code", sa.String(6), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_sandbox_outbox_phone_hmac", "sandbox_outbox", ["phone_hmac"])

    op.create_table(
        "identity_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        _app_fk(),
        sa.Column("id_number_hmac", DIGEST),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_identity_attempts_application_id", "identity_attempts", ["application_id"])
    op.create_index("ix_identity_attempts_id_number_hmac", "identity_attempts", ["id_number_hmac"])

    op.create_table(
        "risk_assessments",
        sa.Column("id", sa.Integer(), primary_key=True),
        _app_fk(),
        sa.Column("questionnaire_version", sa.String(32), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(2), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_risk_assessments_application_id", "risk_assessments", ["application_id"])

    op.create_table(
        "agreement_signatures",
        sa.Column("id", sa.Integer(), primary_key=True),
        _app_fk(),
        sa.Column("bundle_version", sa.String(32), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("utterance", sa.Text()),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("audio_sha256", sa.String(64)),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_agreement_signatures_application_id", "agreement_signatures", ["application_id"])

    op.create_table(
        "bank_bindings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("application_id", APP_ID, sa.ForeignKey("applications.id"), nullable=False, unique=True),
        sa.Column("card_enc", sa.Text(), nullable=False),
        sa.Column("card_hmac", DIGEST, nullable=False),
        sa.Column("card_masked", sa.String(24), nullable=False),
        sa.Column("card_last4", sa.String(4), nullable=False),
        sa.Column("bank_code", sa.String(16), nullable=False),
        sa.Column("bank_name", sa.String(64), nullable=False),
        sa.Column("provider_ref", sa.String(80)),
        sa.Column("bound_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_bank_bindings_card_hmac", "bank_bindings", ["card_hmac"])

    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("id_number_hmac", DIGEST, nullable=False, unique=True),
        sa.Column("id_number_enc", sa.Text(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("account_number", sa.String(12), nullable=False, unique=True),
        _app_fk(),
        sa.Column("risk_level", sa.String(2), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
    )

    op.create_table(
        "handoff_tickets",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("application_id", APP_ID, sa.ForeignKey("applications.id")),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("eta_minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("type", sa.String(48), nullable=False),
        sa.Column("application_id", APP_ID),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", DIGEST, nullable=False),
        sa.Column("hash", DIGEST, nullable=False, unique=True),
        sa.UniqueConstraint("prev_hash", name="uq_audit_events_prev_hash"),
    )
    op.create_index("ix_audit_events_application_id", "audit_events", ["application_id"])

    chain = op.create_table(
        "audit_chain",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", DIGEST, nullable=False),
    )
    op.bulk_insert(chain, [{"id": 1, "last_id": 0, "last_hash": "0" * 64}])


def downgrade() -> None:
    for table in (
        "audit_chain",
        "audit_events",
        "handoff_tickets",
        "customers",
        "bank_bindings",
        "agreement_signatures",
        "risk_assessments",
        "identity_attempts",
        "sandbox_outbox",
        "sms_challenges",
        "consent_records",
        "applications",
    ):
        op.drop_table(table)
