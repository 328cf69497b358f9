"""call controls and shop mail templates

Revision ID: 21c503a53b6d
Revises: 4be7d0a95c12
Create Date: 2026-11-24 09:24:14.944859

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import sqlalchemy as sa
from alembic import op

import tenants.db
from tenants.rls import enable_shop_rls

# revision identifiers, used by Alembic.
revision = "21c503a53b6d"
down_revision = "4be7d0a95c12"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "call_controls",
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "action IN ('hold', 'resume', 'mute', 'unmute', 'transfer', 'transfer_failed', 'hang_up')",
            name=op.f("ck_call_controls_action"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_call_controls_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id", "call_id"],
            ["calls.shop_id", "calls.id"],
            name=op.f("fk_call_controls_shop_id_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_call_controls_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_call_controls")),
    )
    with op.batch_alter_table("call_controls", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_call_controls_shop_id_call_id_at"),
            ["shop_id", "call_id", "at"],
            unique=False,
        )
    enable_shop_rls("call_controls")

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("held_since", tenants.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("hold_s", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("leg_round", sa.Integer(), server_default="1", nullable=False)
        )
        batch_op.add_column(
            sa.Column("muted", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("transferred_to_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("transferred_at", tenants.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_calls_transferred_to_id_users"),
            "users",
            ["transferred_to_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("notification_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mail_subject", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("mail_body", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("notification_settings", schema=None) as batch_op:
        batch_op.drop_column("mail_body")
        batch_op.drop_column("mail_subject")

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_calls_transferred_to_id_users"), type_="foreignkey")
        batch_op.drop_column("transferred_at")
        batch_op.drop_column("transferred_to_id")
        batch_op.drop_column("muted")
        batch_op.drop_column("leg_round")
        batch_op.drop_column("hold_s")
        batch_op.drop_column("held_since")

    with op.batch_alter_table("call_controls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_controls_shop_id_call_id_at"))

    op.drop_table("call_controls")
