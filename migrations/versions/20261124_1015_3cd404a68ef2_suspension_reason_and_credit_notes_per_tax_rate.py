"""suspension reason and credit notes per tax rate

Revision ID: 3cd404a68ef2
Revises: 5b2e8c4d7a10
Create Date: 2026-11-24 09:23:41.583862

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import sqlalchemy as sa
from alembic import op

from tenants import rls

# revision identifiers, used by Alembic.
revision = "3cd404a68ef2"
down_revision = "5b2e8c4d7a10"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "credit_note_rates",
        sa.Column("credit_note_id", sa.Uuid(), nullable=False),
        sa.Column("rate_percent", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("tax", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id", "credit_note_id"],
            ["credit_notes.shop_id", "credit_notes.id"],
            name=op.f("fk_credit_note_rates_shop_id_credit_note_id_credit_notes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_credit_note_rates_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_credit_note_rates")),
        sa.UniqueConstraint(
            "shop_id",
            "credit_note_id",
            "rate_percent",
            name=op.f("uq_credit_note_rates_shop_id_credit_note_id_rate_percent"),
        ),
    )
    rls.enable_shop_rls("credit_note_rates")
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("suspension_reason", sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.drop_column("suspension_reason")
    rls.disable_shop_rls("credit_note_rates")
    op.drop_table("credit_note_rates")
