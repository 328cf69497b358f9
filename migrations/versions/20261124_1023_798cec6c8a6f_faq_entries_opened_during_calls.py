"""faq entries opened during calls

Revision ID: 798cec6c8a6f
Revises: 422e582e2761
Create Date: 2026-11-24 09:30:00.000000

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import sqlalchemy as sa
from alembic import op

import tenants.db
from tenants import rls

# revision identifiers, used by Alembic.
revision = "798cec6c8a6f"
down_revision = "422e582e2761"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "faq_hits",
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("entry_id", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("operator_id", sa.Uuid(), nullable=True),
        sa.Column("hit_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("kind IN ('faq', 'product')", name=op.f("ck_faq_hits_kind")),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["users.id"],
            name=op.f("fk_faq_hits_operator_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id", "call_id"],
            ["calls.shop_id", "calls.id"],
            name=op.f("fk_faq_hits_shop_id_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_faq_hits_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_faq_hits")),
        sa.UniqueConstraint(
            "shop_id",
            "call_id",
            "kind",
            "entry_id",
            name=op.f("uq_faq_hits_shop_id_call_id_kind_entry_id"),
        ),
    )
    op.create_index(
        op.f("ix_faq_hits_shop_id_hit_at"), "faq_hits", ["shop_id", "hit_at"], unique=False
    )
    rls.enable_shop_rls("faq_hits")


def downgrade():
    rls.disable_shop_rls("faq_hits")
    op.drop_index(op.f("ix_faq_hits_shop_id_hit_at"), table_name="faq_hits")
    op.drop_table("faq_hits")
