"""backfill credit note rates and suspension reasons

Revision ID: 8e41c7d02a5b
Revises: 3cd404a68ef2
Create Date: 2026-11-24 09:25:00.000000

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.

Each credit note so far had one tax rate: it becomes that rate's row. Shops suspended so far were
suspended from the overdue-invoices page, so their reason is non-payment.
"""

import sqlalchemy as sa
from alembic import op

from tenants.db import new_id

# revision identifiers, used by Alembic.
revision = "8e41c7d02a5b"
down_revision = "3cd404a68ef2"
branch_labels = None
depends_on = None

rates = sa.table(
    "credit_note_rates",
    sa.column("shop_id", sa.Uuid()),
    sa.column("id", sa.Uuid()),
    sa.column("credit_note_id", sa.Uuid()),
    sa.column("rate_percent", sa.Integer()),
    sa.column("amount", sa.Integer()),
    sa.column("tax", sa.Integer()),
)


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":  # row-level security: this transaction sees every shop
        op.execute("SELECT set_config('app.staff', 'on', true)")
    notes = bind.execute(
        sa.text("SELECT shop_id, id, tax_rate_percent, amount, tax FROM credit_notes")
    ).all()
    if notes:
        op.bulk_insert(
            rates,
            [
                {
                    "shop_id": shop_id,
                    "id": new_id(),
                    "credit_note_id": note_id,
                    "rate_percent": rate,
                    "amount": amount,
                    "tax": tax,
                }
                for shop_id, note_id, rate, amount, tax in notes
            ],
        )
    op.execute(
        "UPDATE shops SET suspension_reason = 'non_payment' "
        "WHERE status = 'suspended' AND suspension_reason IS NULL"
    )


def downgrade():
    op.execute("DELETE FROM credit_note_rates")
