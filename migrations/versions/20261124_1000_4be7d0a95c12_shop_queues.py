"""shop queues: which queue each shop's calls wait in

Revision ID: 4be7d0a95c12
Revises: 8d2f41c7a9e3
Create Date: 2026-11-24 10:00:00

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.

A change of a shop's queue moves the shop's `call_setup_version`, like every other change a caller
hears (see revision c5c32403ab80).
"""

import sqlalchemy as sa
from alembic import op

import tenants.db

# revision identifiers, used by Alembic.
revision = "4be7d0a95c12"
down_revision = "8d2f41c7a9e3"
branch_labels = None
depends_on = None

BUMP = "UPDATE shops SET call_setup_version = call_setup_version + 1 WHERE id = {row}.shop_id"


def upgrade():
    op.create_table(
        "shop_queues",
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("queue", sa.String(length=40), nullable=False),
        sa.Column("updated_at", tenants.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_shop_queues_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("shop_id", name=op.f("pk_shop_queues")),
    )
    op.create_index(op.f("ix_shop_queues_queue"), "shop_queues", ["queue"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER shop_queues_call_setup AFTER INSERT OR UPDATE OR DELETE ON shop_queues "
            "FOR EACH ROW EXECUTE FUNCTION bump_call_setup_version()"
        )
        return
    for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        op.execute(
            f"CREATE TRIGGER shop_queues_call_setup_{event.lower()} AFTER {event} ON shop_queues "
            f"BEGIN {BUMP.format(row=row)}; END"
        )


def downgrade():
    op.drop_index(op.f("ix_shop_queues_queue"), table_name="shop_queues")
    op.drop_table("shop_queues")  # its triggers go with it
