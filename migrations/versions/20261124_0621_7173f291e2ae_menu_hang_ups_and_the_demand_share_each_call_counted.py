"""menu hang-ups and the demand share each call counted

Revision ID: 7173f291e2ae
Revises: 96a5316c1fd1
Create Date: 2026-11-24 06:21:59.073350

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7173f291e2ae"
down_revision = "96a5316c1fd1"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("calls", sa.Column("demand_record", sa.JSON(), nullable=True))
    with op.batch_alter_table("calls") as batch:
        batch.drop_constraint(op.f("ck_calls_outcome"), type_="check")
        batch.create_check_constraint(
            op.f("ck_calls_outcome"),
            "outcome IN ('in_progress', 'answered', 'abandoned', 'short_abandon', 'callback', 'after_hours_message', 'after_hours', 'closed', 'unknown_number', 'failed', 'menu_hangup')",
        )


def downgrade():
    op.execute("UPDATE calls SET outcome = 'failed' WHERE outcome = 'menu_hangup'")
    with op.batch_alter_table("calls") as batch:
        batch.drop_constraint(op.f("ck_calls_outcome"), type_="check")
        batch.create_check_constraint(
            op.f("ck_calls_outcome"),
            "outcome IN ('in_progress', 'answered', 'abandoned', 'short_abandon', 'callback', 'after_hours_message', 'after_hours', 'closed', 'unknown_number', 'failed')",
        )
    op.drop_column("calls", "demand_record")
