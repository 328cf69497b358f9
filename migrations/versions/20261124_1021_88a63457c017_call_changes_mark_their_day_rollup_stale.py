"""call changes mark their day rollup stale

Revision ID: 88a63457c017
Revises: 8e41c7d02a5b
Create Date: 2026-11-24 09:10:00.000000

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import sqlalchemy as sa
from alembic import op

import tenants.db
from tenants import rls

# revision identifiers, used by Alembic.
revision = "88a63457c017"
down_revision = "8e41c7d02a5b"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "call_rollup_marks",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("marked_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_call_rollup_marks_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_call_rollup_marks")),
    )
    op.create_index(op.f("ix_call_rollup_marks_day"), "call_rollup_marks", ["day"], unique=False)
    rls.enable_shop_rls("call_rollup_marks")


def downgrade():
    rls.disable_shop_rls("call_rollup_marks")
    op.drop_index(op.f("ix_call_rollup_marks_day"), table_name="call_rollup_marks")
    op.drop_table("call_rollup_marks")
