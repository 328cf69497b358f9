"""operator phones: a phone number or SIP address per operator

Revision ID: 8d2f41c7a9e3
Revises: c5c32403ab80
Create Date: 2026-11-24 09:50:00

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import sqlalchemy as sa
from alembic import op

import tenants.db

# revision identifiers, used by Alembic.
revision = "8d2f41c7a9e3"
down_revision = "c5c32403ab80"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "operator_phones",
        sa.Column("operator_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("updated_at", tenants.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('number', 'sip')", name=op.f("ck_operator_phones_kind")),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["users.id"],
            name=op.f("fk_operator_phones_operator_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("operator_id", name=op.f("pk_operator_phones")),
    )


def downgrade():
    op.drop_table("operator_phones")
