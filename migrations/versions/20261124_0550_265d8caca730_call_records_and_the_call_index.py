"""call records and the call index

Revision ID: 265d8caca730
Revises: 5ad256457f80
Create Date: 2026-11-24 05:50:24.085039

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import sqlalchemy as sa
from alembic import op

import tenants.db
from tenants import rls

# revision identifiers, used by Alembic.
revision = "265d8caca730"
down_revision = "5ad256457f80"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "call_index",
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("shop_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_call_index_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("call_sid", name=op.f("pk_call_index")),
    )
    op.create_table(
        "calls",
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("from_number", sa.String(length=32), nullable=False),
        sa.Column("to_number", sa.String(length=32), nullable=False),
        sa.Column("arrived_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("queued_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("in_coverage", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("carrier_status", sa.String(length=16), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=True),
        sa.Column("recording_sid", sa.String(length=64), nullable=True),
        sa.Column("recording_url", sa.String(length=500), nullable=True),
        sa.Column("recording_duration_s", sa.Integer(), nullable=True),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('in_progress', 'answered', 'abandoned', 'short_abandon', 'callback', 'after_hours_message', 'after_hours', 'closed', 'unknown_number', 'failed')",
            name=op.f("ck_calls_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_calls_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_calls")),
        sa.UniqueConstraint("shop_id", "call_sid", name=op.f("uq_calls_shop_id_call_sid")),
    )
    op.create_index(
        op.f("ix_calls_shop_id_arrived_at"), "calls", ["shop_id", "arrived_at"], unique=False
    )
    rls.enable_shop_rls("calls")


def downgrade():
    rls.disable_shop_rls("calls")
    op.drop_index(op.f("ix_calls_shop_id_arrived_at"), table_name="calls")
    op.drop_table("calls")
    op.drop_table("call_index")
