"""messages filed after calls and their deliveries

Revision ID: 978736adcf10
Revises: 88ad25eaa4f3
Create Date: 2026-11-24 07:20:27.320740

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import sqlalchemy as sa
from alembic import op

import tenants.db
from tenants import rls

# revision identifiers, used by Alembic.
revision = "978736adcf10"
down_revision = "88ad25eaa4f3"
branch_labels = None
depends_on = None

TABLES = ("messages", "message_deliveries", "message_notes", "delivery_attempts")


def upgrade():
    op.create_table(
        "messages",
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("operator_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("caller_number", sa.String(length=32), nullable=False),
        sa.Column("disposition", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("category_label", sa.String(length=60), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("urgency", sa.String(length=8), nullable=False),
        sa.Column("urgent_because", sa.String(length=200), nullable=True),
        sa.Column("script_version", sa.Integer(), nullable=True),
        sa.Column("callback_from", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("callback_until", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("callback_outcome", sa.String(length=16), nullable=True),
        sa.Column("callback_done_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("callback_done_by", sa.Uuid(), nullable=True),
        sa.Column("read_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "callback_outcome IS NULL OR callback_outcome IN ('reached', 'no_answer', 'wrong_number')",
            name=op.f("ck_messages_callback_outcome"),
        ),
        sa.CheckConstraint("urgency IN ('normal', 'urgent')", name=op.f("ck_messages_urgency")),
        sa.ForeignKeyConstraint(
            ["callback_done_by"],
            ["users.id"],
            name=op.f("fk_messages_callback_done_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["users.id"],
            name=op.f("fk_messages_operator_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id", "call_id"],
            ["calls.shop_id", "calls.id"],
            name=op.f("fk_messages_shop_id_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_messages_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_messages")),
        sa.UniqueConstraint("shop_id", "call_id", name=op.f("uq_messages_shop_id_call_id")),
    )
    op.create_index(op.f("ix_messages_callback_from"), "messages", ["callback_from"], unique=False)
    op.create_index(
        op.f("ix_messages_shop_id_created_at"), "messages", ["shop_id", "created_at"], unique=False
    )
    op.create_table(
        "message_deliveries",
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.Column("created_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("delivered_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "channel IN ('email', 'webhook')", name=op.f("ck_message_deliveries_channel")
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'delivered', 'failed')", name=op.f("ck_message_deliveries_state")
        ),
        sa.ForeignKeyConstraint(
            ["shop_id", "message_id"],
            ["messages.shop_id", "messages.id"],
            name=op.f("fk_message_deliveries_shop_id_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_message_deliveries_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_message_deliveries")),
        sa.UniqueConstraint(
            "shop_id",
            "message_id",
            "channel",
            name=op.f("uq_message_deliveries_shop_id_message_id_channel"),
        ),
    )
    op.create_index(
        op.f("ix_message_deliveries_state_due_at"),
        "message_deliveries",
        ["state", "due_at"],
        unique=False,
    )
    op.create_table(
        "message_notes",
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_message_notes_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id", "message_id"],
            ["messages.shop_id", "messages.id"],
            name=op.f("fk_message_notes_shop_id_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_message_notes_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_message_notes")),
    )
    op.create_index(
        op.f("ix_message_notes_shop_id_message_id"),
        "message_notes",
        ["shop_id", "message_id"],
        unique=False,
    )
    op.create_table(
        "delivery_attempts",
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("replay", sa.Boolean(), nullable=False),
        sa.Column("shop_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id", "delivery_id"],
            ["message_deliveries.shop_id", "message_deliveries.id"],
            name=op.f("fk_delivery_attempts_shop_id_delivery_id_message_deliveries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_delivery_attempts_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", "id", name=op.f("pk_delivery_attempts")),
    )
    op.create_index(
        op.f("ix_delivery_attempts_shop_id_delivery_id"),
        "delivery_attempts",
        ["shop_id", "delivery_id"],
        unique=False,
    )
    for table in TABLES:
        rls.enable_shop_rls(table)
    op.add_column("calls", sa.Column("disposition", sa.String(length=40), nullable=True))
    op.add_column("calls", sa.Column("script_version", sa.Integer(), nullable=True))
    op.add_column("calls", sa.Column("after_call_work_s", sa.Integer(), nullable=True))
    op.add_column(
        "calls", sa.Column("filed_at", tenants.db.UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "notification_settings",
        sa.Column("digest_time", sa.String(length=5), server_default="18:00", nullable=False),
    )


def downgrade():
    op.drop_column("notification_settings", "digest_time")
    op.drop_column("calls", "filed_at")
    op.drop_column("calls", "after_call_work_s")
    op.drop_column("calls", "script_version")
    op.drop_column("calls", "disposition")
    for table in reversed(TABLES):
        rls.disable_shop_rls(table)
    op.drop_index(op.f("ix_delivery_attempts_shop_id_delivery_id"), table_name="delivery_attempts")
    op.drop_table("delivery_attempts")
    op.drop_index(op.f("ix_message_notes_shop_id_message_id"), table_name="message_notes")
    op.drop_table("message_notes")
    op.drop_index(op.f("ix_message_deliveries_state_due_at"), table_name="message_deliveries")
    op.drop_table("message_deliveries")
    op.drop_index(op.f("ix_messages_shop_id_created_at"), table_name="messages")
    op.drop_index(op.f("ix_messages_callback_from"), table_name="messages")
    op.drop_table("messages")
