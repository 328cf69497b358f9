"""day rollups of call records for reports

Revision ID: cd9dc83e650b
Revises: 209f993b8fa2
Create Date: 2026-11-24 07:53:00.000000

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import sqlalchemy as sa
from alembic import op

import tenants.db
from tenants import rls

# revision identifiers, used by Alembic.
revision = "cd9dc83e650b"
down_revision = "209f993b8fa2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "call_rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rolled_from", sa.Date(), nullable=False),
        sa.Column("rolled_until", sa.Date(), nullable=False),
        sa.Column("sl_threshold_s", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_call_rollup_state_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_rollup_state")),
    )
    op.create_table(
        "call_day_rollups",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("queue", sa.String(length=40), nullable=False),
        sa.Column("sl_threshold_s", sa.Integer(), nullable=False),
        sa.Column("offered", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("abandoned", sa.Integer(), nullable=False),
        sa.Column("short_abandoned", sa.Integer(), nullable=False),
        sa.Column("callbacks", sa.Integer(), nullable=False),
        sa.Column("within_sl", sa.Integer(), nullable=False),
        sa.Column("wait_s", sa.Double(), nullable=False),
        sa.Column("waits", sa.Integer(), nullable=False),
        sa.Column("handle_s", sa.Double(), nullable=False),
        sa.Column("handles", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_call_day_rollups_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_call_day_rollups")),
        sa.UniqueConstraint(
            "shop_id", "day", "queue", name=op.f("uq_call_day_rollups_shop_id_day_queue")
        ),
    )
    op.create_index(op.f("ix_call_day_rollups_day"), "call_day_rollups", ["day"], unique=False)
    rls.enable_shop_rls("call_day_rollups")


def downgrade():
    rls.disable_shop_rls("call_day_rollups")
    op.drop_index(op.f("ix_call_day_rollups_day"), table_name="call_day_rollups")
    op.drop_table("call_day_rollups")
    op.drop_table("call_rollup_state")
