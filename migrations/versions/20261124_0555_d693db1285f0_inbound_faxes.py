"""inbound faxes

Revision ID: d693db1285f0
Revises: c7c2eb50ab61
Create Date: 2026-11-24 05:55:34.236466

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import sqlalchemy as sa
from alembic import op

import tenants.db
from tenants import rls

# revision identifiers, used by Alembic.
revision = "d693db1285f0"
down_revision = "c7c2eb50ab61"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "faxes",
        sa.Column("media_url", sa.String(length=500), nullable=False),
        sa.Column("from_number", sa.String(length=32), nullable=False),
        sa.Column("to_number", sa.String(length=32), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("received_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'stored', 'failed')", name=op.f("ck_faxes_status")
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_faxes_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_faxes")),
        sa.UniqueConstraint("shop_id", "media_url", name=op.f("uq_faxes_shop_id_media_url")),
    )
    rls.enable_shop_rls("faxes")


def downgrade():
    rls.disable_shop_rls("faxes")
    op.drop_table("faxes")
