"""keep-your-place callbacks

Revision ID: 7e1c2b9d4f60
Revises: 5b0e3c1d2a47
Create Date: 2026-11-24 07:45:00

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import sqlalchemy as sa
from alembic import op

import tenants.db
from tenants.rls import enable_shop_rls

# revision identifiers, used by Alembic.
revision = "7e1c2b9d4f60"
down_revision = "5b0e3c1d2a47"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("callback_requested_at", tenants.db.UTCDateTime(timezone=True)))
        batch.add_column(
            sa.Column("direction", sa.String(length=10), nullable=False, server_default="inbound")
        )
    op.create_table(
        "callback_requests",
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("caller", sa.String(length=32), nullable=False),
        sa.Column("dialled", sa.String(length=32), nullable=False),
        sa.Column("place_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("requested_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("operator_id", sa.Uuid(), nullable=True),
        sa.Column("outbound_sid", sa.String(length=64), nullable=True),
        sa.Column("done_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('waiting', 'dialling', 'connected', 'failed')",
            name=op.f("ck_callback_requests_status"),
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_callback_requests_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["users.id"],
            name=op.f("fk_callback_requests_operator_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_callback_requests")),
        sa.UniqueConstraint(
            "shop_id", "call_sid", name=op.f("uq_callback_requests_shop_id_call_sid")
        ),
    )
    op.create_index(
        op.f("ix_callback_requests_status"), "callback_requests", ["status", "place_at"]
    )
    enable_shop_rls("callback_requests")


def downgrade():
    op.drop_index(op.f("ix_callback_requests_status"), table_name="callback_requests")
    op.drop_table("callback_requests")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("direction")
        batch.drop_column("callback_requested_at")
