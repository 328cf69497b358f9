"""scorecard items supervisors manage

Revision ID: 422e582e2761
Revises: 88a63457c017
Create Date: 2026-11-24 09:20:00.000000

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.
"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import tenants.db

# revision identifiers, used by Alembic.
revision = "422e582e2761"
down_revision = "88a63457c017"
branch_labels = None
depends_on = None

# The shared items the scorecard had in code until now, under the same keys, so reviews already
# saved name the same items. A critical item's weight is not counted (failing it fails the call).
SEED = [
    ("polite", "丁寧で明瞭な言葉遣い（敬語）", 2, False),
    ("confirmed", "用件を確認し、要点を復唱した", 2, False),
    ("message", "必要なときに漏れなく伝言を受けた", 1, False),
    ("closing", "ショップ名で通話を締めくくった", 1, False),
    ("personal_data", "個人情報を正しく扱った（読み上げ・推測をしない）", 1, True),
    ("no_false_promise", "ショップが守れない約束をしていない", 1, True),
]


def upgrade():
    criteria = op.create_table(
        "qa_criteria",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("critical", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("changed_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint("weight BETWEEN 1 AND 100", name=op.f("ck_qa_criteria_weight")),
        sa.ForeignKeyConstraint(
            ["changed_by"],
            ["users.id"],
            name=op.f("fk_qa_criteria_changed_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_criteria")),
        sa.UniqueConstraint("key", name=op.f("uq_qa_criteria_key")),
    )
    op.create_index(
        "uq_qa_criteria_active_label",
        "qa_criteria",
        ["label"],
        unique=True,
        postgresql_where=sa.text("retired_at IS NULL"),
        sqlite_where=sa.text("retired_at IS NULL"),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        criteria,
        [
            {
                "id": uuid.uuid5(uuid.NAMESPACE_URL, f"qa-criterion:{key}"),
                "key": key,
                "label": label,
                "weight": weight,
                "critical": critical,
                "position": position,
                "retired_at": None,
                "changed_at": now,
                "changed_by": None,
            }
            for position, (key, label, weight, critical) in enumerate(SEED, start=1)
        ],
    )


def downgrade():
    op.drop_index(
        "uq_qa_criteria_active_label",
        table_name="qa_criteria",
        postgresql_where=sa.text("retired_at IS NULL"),
        sqlite_where=sa.text("retired_at IS NULL"),
    )
    op.drop_table("qa_criteria")
