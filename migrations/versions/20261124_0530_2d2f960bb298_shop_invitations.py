"""shop invitations

Revision ID: 2d2f960bb298
Revises: 10d0cdbfc044
Create Date: 2026-11-24 05:30:04.096404

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import sqlalchemy as sa
from alembic import op

import tenants.db
from tenants import rls

# revision identifiers, used by Alembic.
revision = "2d2f960bb298"
down_revision = "10d0cdbfc044"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "shop_invitations",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("invited_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("role IN ('owner', 'member')", name=op.f("ck_shop_invitations_role")),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["users.id"],
            name=op.f("fk_shop_invitations_invited_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_shop_invitations_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_shop_invitations")),
    )
    rls.enable_shop_rls("shop_invitations")


def downgrade():
    rls.disable_shop_rls("shop_invitations")
    op.drop_table("shop_invitations")
