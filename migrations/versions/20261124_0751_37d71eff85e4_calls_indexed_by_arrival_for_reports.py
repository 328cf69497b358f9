"""calls indexed by arrival for reports and the wallboard

Revision ID: 37d71eff85e4
Revises: f11281e3122e
Create Date: 2026-11-24 07:51:00.000000

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "37d71eff85e4"
down_revision = "f11281e3122e"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_calls_arrived_at", "calls", ["arrived_at"], unique=False)


def downgrade():
    op.drop_index("ix_calls_arrived_at", table_name="calls")
