"""backfill queues shops and skills name

Revision ID: 03ea157e6395
Revises: e035a3a2435a
Create Date: 2026-11-24 10:31:00.000000

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.

Every queue key in use gets its row: the shared queue (named 共通キュー) and each key a shop waits
in or an operator's skill names (named as its key). Keys that already have a row are left as they
are, so running it again after the previous release wrote new keys only adds those. Two keys that
only differ in width or case would get names a reader cannot tell apart: the second gets a number.
"""

import unicodedata
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import tenants.db

# revision identifiers, used by Alembic.
revision = "03ea157e6395"
down_revision = "e035a3a2435a"
branch_labels = None
depends_on = None

SHARED_QUEUE = "team-default"
SHARED_NAME = "共通キュー"

queues = sa.table(
    "queues",
    sa.column("key", sa.String()),
    sa.column("name", sa.String()),
    sa.column("created_at", tenants.db.UTCDateTime(timezone=True)),
)


def _comparable(text):
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _free_name(base, taken):
    name, n = base, 1
    while _comparable(name) in taken:
        n += 1
        suffix = f" ({n})"
        name = base[: 40 - len(suffix)] + suffix
    return name


def upgrade():
    bind = op.get_bind()
    existing = dict(bind.execute(sa.text('SELECT "key", name FROM queues')).all())
    used = set(bind.execute(sa.text("SELECT DISTINCT queue FROM shop_queues")).scalars())
    used |= set(bind.execute(sa.text("SELECT DISTINCT queue FROM operator_skills")).scalars())
    taken = {_comparable(name) for name in existing.values()}
    now = datetime.now(UTC)
    rows = []
    for key in [SHARED_QUEUE, *sorted(used - {SHARED_QUEUE})]:
        if key in existing or not key.strip():
            continue
        name = _free_name(SHARED_NAME if key == SHARED_QUEUE else key, taken)
        taken.add(_comparable(name))
        rows.append({"key": key, "name": name, "created_at": now})
    if rows:
        op.bulk_insert(queues, rows)


def downgrade():
    pass  # the rows go with the table in the revision before
