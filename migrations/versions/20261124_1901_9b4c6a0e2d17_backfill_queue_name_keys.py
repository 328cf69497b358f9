"""backfill queue name keys

Revision ID: 9b4c6a0e2d17
Revises: 5d8e2f1a7c33
Create Date: 2026-11-24 19:01:00.000000

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.

Every queue without a `name_key` gets its name's compared form. Should two existing names compare
alike (only a race could have written them), the older queue gets the key and the other stays
without one, to be told apart by a rename; the run never fails on them.
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9b4c6a0e2d17"
down_revision = "5d8e2f1a7c33"
branch_labels = None
depends_on = None

queues = sa.table(
    "queues",
    sa.column("key", sa.String()),
    sa.column("name", sa.String()),
    sa.column("name_key", sa.String()),
    sa.column("created_at", sa.DateTime()),
)


def _comparable(text):
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def upgrade():
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(queues.c.key, queues.c.name, queues.c.name_key).order_by(
            queues.c.created_at, queues.c.key
        )
    ).all()
    taken = {row.name_key for row in rows if row.name_key is not None}
    for row in rows:
        if row.name_key is not None:
            continue
        compared = _comparable(row.name)
        if compared in taken:
            continue
        taken.add(compared)
        bind.execute(queues.update().where(queues.c.key == row.key).values(name_key=compared))


def downgrade():
    pass  # the column goes in the revision before
