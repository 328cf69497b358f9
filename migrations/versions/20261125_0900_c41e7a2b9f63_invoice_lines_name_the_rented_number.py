"""invoice lines name the rented number and its days

Revision ID: c41e7a2b9f63
Revises: 797c38fb1989
Create Date: 2026-11-25 09:00:00.000000

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.

A number's rent on an invoice says which number and from which day to which: 「電話番号レンタル
03-4500-0001 7日（11月24日〜11月30日）」. Lines issued before stay as they were (no number, no days).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c41e7a2b9f63"
down_revision = "797c38fb1989"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("invoice_lines", sa.Column("number", sa.String(length=20), nullable=True))
    op.add_column("invoice_lines", sa.Column("first_day", sa.Date(), nullable=True))
    op.add_column("invoice_lines", sa.Column("last_day", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("invoice_lines") as batch:
        batch.drop_column("last_day")
        batch.drop_column("first_day")
        batch.drop_column("number")
