"""shift patterns with breaks and starts, roster builds, shops' daily demand

Revision ID: 5b2e8c4d7a10
Revises: 21c503a53b6d
Create Date: 2026-11-24 09:50:00

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import sqlalchemy as sa
from alembic import op

import tenants.db
from tenants.rls import enable_shop_rls

# revision identifiers, used by Alembic.
revision = "5b2e8c4d7a10"
down_revision = "21c503a53b6d"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("shift_patterns") as batch:
        batch.add_column(sa.Column("break_minutes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("start_minute", sa.Integer(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_shift_patterns_break_minutes"), "break_minutes BETWEEN 0 AND 180"
        )
        batch.create_check_constraint(
            op.f("ck_shift_patterns_start_minute"), "start_minute BETWEEN 0 AND 1439"
        )
    op.create_table(
        "roster_builds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("queue", sa.String(length=40), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("tz", sa.String(length=60), nullable=False),
        sa.Column("team_ids", sa.JSON(), nullable=False),
        sa.Column("pooled", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("requested_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'done', 'failed')", name=op.f("ck_roster_builds_state")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["users.id"],
            name=op.f("fk_roster_builds_requested_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_builds")),
    )
    op.create_index(
        "ix_roster_builds_queue_first_day",
        "roster_builds",
        ["queue", "first_day", "requested_at"],
    )
    op.create_table(
        "shop_demand_days",
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("queue", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("offered", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_shop_demand_days_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", "queue", "day", name=op.f("pk_shop_demand_days")),
    )
    op.create_index("ix_shop_demand_days_queue_day", "shop_demand_days", ["queue", "day"])
    enable_shop_rls("shop_demand_days")


def downgrade():
    op.drop_index("ix_shop_demand_days_queue_day", table_name="shop_demand_days")
    op.drop_table("shop_demand_days")
    op.drop_index("ix_roster_builds_queue_first_day", table_name="roster_builds")
    op.drop_table("roster_builds")
    with op.batch_alter_table("shift_patterns") as batch:
        batch.drop_constraint(op.f("ck_shift_patterns_start_minute"), type_="check")
        batch.drop_constraint(op.f("ck_shift_patterns_break_minutes"), type_="check")
        batch.drop_column("start_minute")
        batch.drop_column("break_minutes")
