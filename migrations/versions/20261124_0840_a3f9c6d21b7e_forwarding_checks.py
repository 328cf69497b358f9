"""forwarding checks

Revision ID: a3f9c6d21b7e
Revises: cd9dc83e650b
Create Date: 2026-11-24 08:40:00

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import sqlalchemy as sa
from alembic import op

import tenants.db
from tenants.rls import enable_shop_rls

# revision identifiers, used by Alembic.
revision = "a3f9c6d21b7e"
down_revision = "cd9dc83e650b"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "forwarding_checks",
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("shop_number", sa.String(length=20), nullable=False),
        sa.Column("rented_number", sa.String(length=20), nullable=False),
        sa.Column("started_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("outbound_sid", sa.String(length=64), nullable=True),
        sa.Column("arrived_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "status IN ('calling', 'arrived', 'not_arrived', 'failed')",
            name=op.f("ck_forwarding_checks_status"),
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_forwarding_checks_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_forwarding_checks")),
    )
    op.create_index(
        op.f("ix_forwarding_checks_shop_id_started_at"),
        "forwarding_checks",
        ["shop_id", "started_at"],
    )
    enable_shop_rls("forwarding_checks")


def downgrade():
    op.drop_index(op.f("ix_forwarding_checks_shop_id_started_at"), table_name="forwarding_checks")
    op.drop_table("forwarding_checks")
