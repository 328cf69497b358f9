"""Credits and refunds on an invoice, as credit notes: tax on the credited amount rounded down once,
never more credited than the invoice's items; pushed to Stripe's invoice when it is there."""

from __future__ import annotations

import uuid

from flask_babel import gettext
from sqlalchemy import func, select

from billing.models import CreditNote, Invoice
from billing.providers import provider
from tenants.coverage.services import today_in_tokyo
from tenants.db import db, new_id
from tenants.jobs import enqueue_after_commit, task
from tenants.models import User
from tenants.scoping import get_for_shop
from tenants.services import ValidationFailed, audit


def credited(invoice: Invoice) -> int:
    total = db.session.scalar(
        select(func.coalesce(func.sum(CreditNote.amount), 0)).where(
            CreditNote.shop_id == invoice.shop_id, CreditNote.invoice_id == invoice.id
        )
    )
    return int(total or 0)


def notes_of(shop_id: uuid.UUID) -> list[CreditNote]:
    return list(
        db.session.scalars(
            select(CreditNote)
            .where(CreditNote.shop_id == shop_id)
            .order_by(CreditNote.created_at.desc())
        )
    )


def issue(
    invoice: Invoice, amount: int | None, reason: str, *, actor: User, ip: str | None
) -> CreditNote:
    """Credit `amount` yen before tax on the invoice, for `reason` (shown on the document)."""
    if invoice.status not in ("open", "paid"):
        raise ValidationFailed(
            "invoice", gettext("Only an issued invoice, paid or not, can be credited.")
        )
    left = invoice.subtotal - credited(invoice)
    if amount is None or not 1 <= amount <= left:
        raise ValidationFailed(
            "amount",
            gettext("Enter whole yen before tax from 1 to %(left)s.", left=f"{left:,}"),
        )
    reason = " ".join(reason.split())
    if not reason or len(reason) > 200:
        raise ValidationFailed("reason", gettext("Give a reason of at most 200 characters."))
    rate = invoice.taxes[0].rate_percent if invoice.taxes else 0
    tax = amount * rate // 100
    count = len([n for n in notes_of(invoice.shop_id) if n.invoice_id == invoice.id])
    note = CreditNote(
        shop_id=invoice.shop_id,
        id=new_id(),
        invoice_id=invoice.id,
        number=f"{invoice.number}-CN{count + 1}",
        issued_on=today_in_tokyo(),
        reason=reason,
        amount=amount,
        tax_rate_percent=rate,
        tax=tax,
        total=amount + tax,
    )
    db.session.add(note)
    audit(
        "billing.credit_note",
        actor=actor,
        shop_id=invoice.shop_id,
        target=note.number,
        ip=ip,
        detail={"amount": amount, "tax": tax},
    )
    if invoice.stripe_invoice_id and provider() is not None:
        enqueue_after_commit(push_credit_note, shop_id=invoice.shop_id, note_id=str(note.id))
    return note


@task
def push_credit_note(*, shop_id: uuid.UUID, note_id: str) -> None:
    """The same credit on the invoice in Stripe (once: the key is the note's)."""
    gateway = provider()
    note = get_for_shop(CreditNote, shop_id, note_id)
    invoice = get_for_shop(Invoice, shop_id, note.invoice_id)
    if gateway is None or note.stripe_credit_note_id or not invoice.stripe_invoice_id:
        return
    note.stripe_credit_note_id = gateway.create_credit_note(
        invoice.stripe_invoice_id,
        amount=note.total,
        memo=f"{note.number} {note.reason}"[:500],
        to_balance=invoice.status == "paid",
        key=f"{shop_id}:{invoice.period}:credit:{note.number}",
    )
