"""calls routed to operators

Revision ID: 5b0e3c1d2a47
Revises: 52a9eeaa1ea3
Create Date: 2026-11-24 07:25:00

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import sqlalchemy as sa
from alembic import op

import tenants.db

# revision identifiers, used by Alembic.
revision = "5b0e3c1d2a47"
down_revision = "52a9eeaa1ea3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("operator_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("routed_at", tenants.db.UTCDateTime(timezone=True)))
        batch.add_column(
            sa.Column("ring_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("answer_estimated", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_foreign_key(
            op.f("fk_calls_operator_id_users"),
            "users",
            ["operator_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_calls_operator_id"), ["operator_id"])
    with op.batch_alter_table("operator_states") as batch:
        batch.add_column(sa.Column("call_sid", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("after_call_until", tenants.db.UTCDateTime(timezone=True)))
        batch.create_index(op.f("ix_operator_states_call_sid"), ["call_sid"])


def downgrade():
    with op.batch_alter_table("operator_states") as batch:
        batch.drop_index(op.f("ix_operator_states_call_sid"))
        batch.drop_column("after_call_until")
        batch.drop_column("call_sid")
    with op.batch_alter_table("calls") as batch:
        batch.drop_index(op.f("ix_calls_operator_id"))
        batch.drop_constraint(op.f("fk_calls_operator_id_users"), type_="foreignkey")
        batch.drop_column("ring_attempts")
        batch.drop_column("answer_estimated")
        batch.drop_column("routed_at")
        batch.drop_column("operator_id")
