"""quality review samples and scorecards

Revision ID: 209f993b8fa2
Revises: 37d71eff85e4
Create Date: 2026-11-24 07:52:00.000000

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import sqlalchemy as sa
from alembic import op

import tenants.db
from tenants import rls

# revision identifiers, used by Alembic.
revision = "209f993b8fa2"
down_revision = "37d71eff85e4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "qa_plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.Uuid(), nullable=True),
        sa.Column("set_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("sample_size BETWEEN 0 AND 100", name=op.f("ck_qa_plans_sample_size")),
        sa.ForeignKeyConstraint(
            ["set_by"], ["users.id"], name=op.f("fk_qa_plans_set_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_plans")),
    )
    op.create_table(
        "qa_reviews",
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("operator_id", sa.Uuid(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("sampled_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("script_version", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("items", sa.JSON(), nullable=True),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("critical_failed", sa.Boolean(), nullable=False),
        sa.Column("coaching_notes", sa.Text(), nullable=False),
        sa.Column("reviewer_id", sa.Uuid(), nullable=True),
        sa.Column("reviewed_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('to_review', 'reviewed')", name=op.f("ck_qa_reviews_status")
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["users.id"],
            name=op.f("fk_qa_reviews_operator_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_qa_reviews_reviewer_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id", "call_id"],
            ["calls.shop_id", "calls.id"],
            name=op.f("fk_qa_reviews_shop_id_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_qa_reviews_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_qa_reviews")),
        sa.UniqueConstraint("shop_id", "call_id", name=op.f("uq_qa_reviews_shop_id_call_id")),
    )
    op.create_index(
        op.f("ix_qa_reviews_operator_id_week_start"),
        "qa_reviews",
        ["operator_id", "week_start"],
        unique=False,
    )
    rls.enable_shop_rls("qa_reviews")


def downgrade():
    rls.disable_shop_rls("qa_reviews")
    op.drop_index(op.f("ix_qa_reviews_operator_id_week_start"), table_name="qa_reviews")
    op.drop_table("qa_reviews")
    op.drop_table("qa_plans")
