"""coverage hours: versions, closures, emergency closures

Revision ID: 38fe171a1b5a
Revises: 18eeac854e26
Create Date: 2026-11-24 05:08:30.347918

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import sqlalchemy as sa
from alembic import op

import tenants.db
from tenants import rls

# revision identifiers, used by Alembic.
revision = "38fe171a1b5a"
down_revision = "18eeac854e26"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "coverage_closures",
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("every_year", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=120), nullable=False),
        sa.Column("created_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "ends_on >= starts_on", name=op.f("ck_coverage_closures_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_coverage_closures_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_coverage_closures")),
    )
    op.create_table(
        "coverage_versions",
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("week", sa.JSON(), nullable=False),
        sa.Column("holiday_mode", sa.String(length=12), nullable=False),
        sa.Column("holiday_bands", sa.JSON(), nullable=False),
        sa.Column("created_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "holiday_mode IN ('closed', 'bands', 'as_weekday')",
            name=op.f("ck_coverage_versions_holiday_mode"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_coverage_versions_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_coverage_versions_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_coverage_versions")),
    )
    op.create_index(
        op.f("ix_coverage_versions_shop_id_effective_from"),
        "coverage_versions",
        ["shop_id", "effective_from"],
        unique=False,
    )
    op.create_table(
        "emergency_closures",
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("started_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_by", sa.Uuid(), nullable=True),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_emergency_closures_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["started_by"],
            ["users.id"],
            name=op.f("fk_emergency_closures_started_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_emergency_closures")),
    )
    for table in ("coverage_versions", "coverage_closures", "emergency_closures"):
        rls.enable_shop_rls(table)


def downgrade():
    for table in ("coverage_versions", "coverage_closures", "emergency_closures"):
        rls.disable_shop_rls(table)
    op.drop_table("emergency_closures")
    op.drop_index(
        op.f("ix_coverage_versions_shop_id_effective_from"), table_name="coverage_versions"
    )
    op.drop_table("coverage_versions")
    op.drop_table("coverage_closures")
