"""phone number pool and shop rentals

Revision ID: f2950f82056d
Revises: 38fe171a1b5a
Create Date: 2026-11-24 05:14:23.681556

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import sqlalchemy as sa
from alembic import op

import tenants.db
from tenants import rls

# revision identifiers, used by Alembic.
revision = "f2950f82056d"
down_revision = "38fe171a1b5a"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "phone_numbers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("e164", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("line_type", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("rented_by_shop_id", sa.Uuid(), nullable=True),
        sa.Column("quarantine_until", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("carrier_sid", sa.String(length=64), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("added_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(status = 'rented') = (rented_by_shop_id IS NOT NULL)",
            name=op.f("ck_phone_numbers_renter"),
        ),
        sa.CheckConstraint("kind IN ('phone', 'fax')", name=op.f("ck_phone_numbers_kind")),
        sa.CheckConstraint(
            "line_type IN ('geographic', 'ip', 'toll_free')",
            name=op.f("ck_phone_numbers_line_type"),
        ),
        sa.CheckConstraint(
            "status IN ('available', 'rented', 'quarantine', 'retired')",
            name=op.f("ck_phone_numbers_status"),
        ),
        sa.ForeignKeyConstraint(
            ["rented_by_shop_id"],
            ["shops.id"],
            name=op.f("fk_phone_numbers_rented_by_shop_id_shops"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_numbers")),
        sa.UniqueConstraint("e164", name=op.f("uq_phone_numbers_e164")),
    )
    op.create_index(
        op.f("ix_phone_numbers_rented_by_shop_id"),
        "phone_numbers",
        ["rented_by_shop_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_phone_numbers_status_kind"), "phone_numbers", ["status", "kind"], unique=False
    )
    op.create_table(
        "number_rentals",
        sa.Column("number_id", sa.Uuid(), nullable=False),
        sa.Column("started_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["number_id"],
            ["phone_numbers.id"],
            name=op.f("fk_number_rentals_number_id_phone_numbers"),
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_number_rentals_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_number_rentals")),
    )
    op.create_index(
        op.f("ix_number_rentals_number_id"), "number_rentals", ["number_id"], unique=False
    )
    rls.enable_shop_rls("number_rentals")


def downgrade():
    rls.disable_shop_rls("number_rentals")
    op.drop_index(op.f("ix_number_rentals_number_id"), table_name="number_rentals")
    op.drop_table("number_rentals")
    op.drop_index(op.f("ix_phone_numbers_status_kind"), table_name="phone_numbers")
    op.drop_index(op.f("ix_phone_numbers_rented_by_shop_id"), table_name="phone_numbers")
    op.drop_table("phone_numbers")
