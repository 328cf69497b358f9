"""calls handed back after an unanswered transfer

Revision ID: 797c38fb1989
Revises: 9b4c6a0e2d17
Create Date: 2026-11-24 18:58:00.000000

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.

A transfer the supervisor does not pick up hands the caller back (to the operator who transferred
them, or to the queue): the call remembers since when it waits again, and its control log names
where it went and who picked it up.
"""

import sqlalchemy as sa
from alembic import op

import tenants.db

# revision identifiers, used by Alembic.
revision = "797c38fb1989"
down_revision = "9b4c6a0e2d17"
branch_labels = None
depends_on = None

BEFORE = ("hold", "resume", "mute", "unmute", "transfer", "transfer_failed", "hang_up")
AFTER = (*BEFORE, "returned", "requeued", "picked_up")


def _actions(actions: tuple[str, ...]) -> None:
    with op.batch_alter_table("call_controls") as batch:
        batch.drop_constraint(op.f("ck_call_controls_action"), type_="check")
        batch.create_check_constraint(
            op.f("ck_call_controls_action"),
            "action IN (" + ", ".join(f"'{a}'" for a in actions) + ")",
        )


def upgrade():
    op.add_column(
        "calls", sa.Column("returned_at", tenants.db.UTCDateTime(timezone=True), nullable=True)
    )
    _actions(AFTER)


def downgrade():
    op.execute("DELETE FROM call_controls WHERE action IN ('returned', 'requeued', 'picked_up')")
    _actions(BEFORE)
    op.drop_column("calls", "returned_at")
