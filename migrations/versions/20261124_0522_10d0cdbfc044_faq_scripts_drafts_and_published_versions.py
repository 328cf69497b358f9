"""faq scripts: drafts and published versions

Revision ID: 10d0cdbfc044
Revises: 82557953ed64
Create Date: 2026-11-24 05:22:07.518152

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import sqlalchemy as sa
from alembic import op

import tenants.db
from tenants import rls

# revision identifiers, used by Alembic.
revision = "10d0cdbfc044"
down_revision = "82557953ed64"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "script_drafts",
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("updated_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_script_drafts_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_script_drafts")),
        sa.UniqueConstraint("shop_id", name=op.f("uq_script_drafts_shop_id")),
    )
    op.create_table(
        "script_versions",
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("published_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.Uuid(), nullable=True),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["published_by"],
            ["users.id"],
            name=op.f("fk_script_versions_published_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_script_versions_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_script_versions")),
        sa.UniqueConstraint("shop_id", "number", name=op.f("uq_script_versions_shop_id_number")),
    )
    rls.enable_shop_rls("script_drafts")
    rls.enable_shop_rls("script_versions")


def downgrade():
    rls.disable_shop_rls("script_versions")
    rls.disable_shop_rls("script_drafts")
    op.drop_table("script_versions")
    op.drop_table("script_drafts")
