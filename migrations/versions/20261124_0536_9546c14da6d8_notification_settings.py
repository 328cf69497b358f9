"""notification settings

Revision ID: 9546c14da6d8
Revises: 8707698f57cc
Create Date: 2026-11-24 05:36:02.913517

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import sqlalchemy as sa
from alembic import op

import tenants.db
from tenants import rls

# revision identifiers, used by Alembic.
revision = "9546c14da6d8"
down_revision = "8707698f57cc"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notification_settings",
        sa.Column("emails", sa.JSON(), nullable=False),
        sa.Column("webhook_url", sa.String(length=500), nullable=True),
        sa.Column("webhook_secret", sa.String(length=64), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("last_test_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_test_result", sa.String(length=200), nullable=True),
        sa.Column("updated_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_notification_settings_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_notification_settings")),
        sa.UniqueConstraint("shop_id", name=op.f("uq_notification_settings_shop_id")),
    )
    rls.enable_shop_rls("notification_settings")


def downgrade():
    rls.disable_shop_rls("notification_settings")
    op.drop_table("notification_settings")
