"""queues with the names staff read

Revision ID: e035a3a2435a
Revises: 798cec6c8a6f
Create Date: 2026-11-24 10:30:00.000000

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.

A queue serves many shops: a staff table without shop_id. Its rows are filled by the next revision.
"""

import sqlalchemy as sa
from alembic import op

import tenants.db

# revision identifiers, used by Alembic.
revision = "e035a3a2435a"
down_revision = "798cec6c8a6f"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "queues",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("created_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_queues")),
        sa.UniqueConstraint("name", name=op.f("uq_queues_name")),
    )


def downgrade():
    op.drop_table("queues")
