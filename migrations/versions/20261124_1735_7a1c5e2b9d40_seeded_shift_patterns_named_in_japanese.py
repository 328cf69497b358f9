"""seeded shift patterns named in Japanese

Revision ID: 7a1c5e2b9d40
Revises: 03ea157e6395
Create Date: 2026-11-24 17:35:00.000000

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.

The two patterns every installation starts with were named 「4h」 and 「8h」; supervisors read
「4時間勤務」 and 「8時間勤務」. Only a pattern still under its seeded name is renamed, and only when
no pattern has the new name already (a supervisor's own pattern keeps its name). Rostered shifts
keep their minutes, not the pattern's name, so nothing else changes.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7a1c5e2b9d40"
down_revision = "03ea157e6395"
branch_labels = None
depends_on = None

RENAMES = (("4h", "4時間勤務"), ("8h", "8時間勤務"))

patterns = sa.table("shift_patterns", sa.column("name", sa.String()))


def _rename(old: str, new: str) -> None:
    taken = sa.select(patterns.c.name).where(patterns.c.name == new).exists()
    op.execute(patterns.update().where(patterns.c.name == old, ~taken).values(name=new))


def upgrade() -> None:
    for old, new in RENAMES:
        _rename(old, new)


def downgrade() -> None:
    for old, new in RENAMES:
        _rename(new, old)
