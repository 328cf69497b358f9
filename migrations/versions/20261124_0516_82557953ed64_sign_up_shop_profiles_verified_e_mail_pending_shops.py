"""sign-up: shop profiles, verified e-mail, pending shops

Revision ID: 82557953ed64
Revises: f2950f82056d
Create Date: 2026-11-24 05:16:52.758977

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import sqlalchemy as sa
from alembic import op

import tenants.db
from tenants import rls

# revision identifiers, used by Alembic.
revision = "82557953ed64"
down_revision = "f2950f82056d"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "shop_profiles",
        sa.Column("contact_phone", sa.String(length=20), nullable=False),
        sa.Column("legal_name", sa.String(length=120), nullable=False),
        sa.Column("postal_code", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("registration_number", sa.String(length=14), nullable=True),
        sa.Column("updated_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_shop_profiles_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_shop_profiles")),
    )
    op.add_column(
        "users",
        sa.Column("email_verified_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
    )
    rls.enable_shop_rls("shop_profiles")
    with op.batch_alter_table("shops") as batch:
        batch.drop_constraint(op.f("ck_shops_status"), type_="check")
        batch.create_check_constraint(
            op.f("ck_shops_status"), "status IN ('pending', 'active', 'suspended', 'closed')"
        )


def downgrade():
    op.execute("UPDATE shops SET status = 'active' WHERE status = 'pending'")
    with op.batch_alter_table("shops") as batch:
        batch.drop_constraint(op.f("ck_shops_status"), type_="check")
        batch.create_check_constraint(
            op.f("ck_shops_status"), "status IN ('active', 'suspended', 'closed')"
        )
    rls.disable_shop_rls("shop_profiles")
    op.drop_column("users", "email_verified_at")
    op.drop_table("shop_profiles")
