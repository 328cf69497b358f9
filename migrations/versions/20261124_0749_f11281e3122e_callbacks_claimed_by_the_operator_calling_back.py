"""callbacks claimed by the operator calling back

Revision ID: f11281e3122e
Revises: 978736adcf10
Create Date: 2026-11-24 07:49:17.596063

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import sqlalchemy as sa
from alembic import op

import tenants.db

# revision identifiers, used by Alembic.
revision = "f11281e3122e"
down_revision = "978736adcf10"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("callback_claimed_by", sa.Uuid(), nullable=True))
        batch.add_column(
            sa.Column("callback_claimed_at", tenants.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.create_foreign_key(
            op.f("fk_messages_callback_claimed_by_users"),
            "users",
            ["callback_claimed_by"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("messages") as batch:
        batch.drop_constraint(op.f("fk_messages_callback_claimed_by_users"), type_="foreignkey")
        batch.drop_column("callback_claimed_at")
        batch.drop_column("callback_claimed_by")
