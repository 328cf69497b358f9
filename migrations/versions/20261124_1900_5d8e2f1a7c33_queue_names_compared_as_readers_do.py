"""queue names compared as readers do

Revision ID: 5d8e2f1a7c33
Revises: 7a1c5e2b9d40
Create Date: 2026-11-24 19:00:00.000000

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.

A queue's name is unique as a reader compares it (width, case and spaces aside). The application
checked that before writing; two supervisors naming queues 「食品」 and 「食品 」 at the same moment
could both pass. `name_key` holds the compared form under a unique constraint, so the database
refuses the second. It may be empty: the release before this one does not fill it, and the next
revision fills the rows already there.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5d8e2f1a7c33"
down_revision = "7a1c5e2b9d40"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("queues") as batch:
        batch.add_column(sa.Column("name_key", sa.String(), nullable=True))
        batch.create_unique_constraint(batch.f("uq_queues_name_key"), ["name_key"])


def downgrade():
    with op.batch_alter_table("queues") as batch:
        batch.drop_constraint(batch.f("uq_queues_name_key"), type_="unique")
        batch.drop_column("name_key")
