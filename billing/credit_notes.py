"""Credits and refunds on an invoice, as credit notes: per tax rate, the tax on what is credited at
that rate rounded down once, never more credited at a rate than the invoice's items at that rate;
pushed to Stripe's invoice when it is there."""

from __future__ import annotations

import uuid

from flask_babel import gettext
from sqlalchemy import func, select

from billing.models import CreditNote, CreditNoteRate, Invoice
from billing.providers import provider
from tenants.coverage.services import today_in_tokyo
from tenants.db import db, new_id
from tenants.jobs import enqueue_after_commit, task
from tenants.models import User
from tenants.scoping import get_for_shop
from tenants.services import ValidationFailed, audit


def credited(invoice: Invoice) -> dict[int, int]:
    """Yen before tax already credited on the invoice, per tax rate."""
    rows = db.session.execute(
        select(CreditNoteRate.rate_percent, func.sum(CreditNoteRate.amount))
        .join(
            CreditNote,
            (CreditNote.shop_id == CreditNoteRate.shop_id)
            & (CreditNote.id == CreditNoteRate.credit_note_id),
        )
        .where(CreditNote.shop_id == invoice.shop_id, CreditNote.invoice_id == invoice.id)
        .group_by(CreditNoteRate.rate_percent)
    ).all()
    return {int(rate): int(total or 0) for rate, total in rows}


def remaining(invoice: Invoice) -> dict[int, int]:
    """Per tax rate of the invoice (highest first): what may still be credited, before tax."""
    done = credited(invoice)
    return {tax.rate_percent: tax.taxable - done.get(tax.rate_percent, 0) for tax in invoice.taxes}


def notes_of(shop_id: uuid.UUID) -> list[CreditNote]:
    return list(
        db.session.scalars(
            select(CreditNote)
            .where(CreditNote.shop_id == shop_id)
            .order_by(CreditNote.created_at.desc())
        )
    )


def issue(
    invoice: Invoice,
    amounts: dict[int, int | None],
    reason: str,
    *,
    actor: User,
    ip: str | None,
) -> CreditNote:
    """Credit yen before tax per tax rate of the invoice (`{10: 5000, 8: 1200}`), for `reason`.

    Each rate's tax is computed on that rate's credited total and rounded down once, as on the
    invoice; no rate may be credited beyond what the invoice still has at that rate.
    """
    if invoice.status not in ("open", "paid"):
        raise ValidationFailed(
            "invoice", gettext("Only an issued invoice, paid or not, can be credited.")
        )
    left = remaining(invoice)
    chosen = _validated_amounts(amounts, left)
    reason = " ".join(reason.split())
    if not reason or len(reason) > 200:
        raise ValidationFailed("reason", gettext("Give a reason of at most 200 characters."))
    count = len([n for n in notes_of(invoice.shop_id) if n.invoice_id == invoice.id])
    note = CreditNote(
        shop_id=invoice.shop_id,
        id=new_id(),
        invoice_id=invoice.id,
        number=f"{invoice.number}-CN{count + 1}",
        issued_on=today_in_tokyo(),
        reason=reason,
    )
    note.rates = [
        CreditNoteRate(
            shop_id=invoice.shop_id,
            id=new_id(),
            rate_percent=rate,
            amount=amount,
            tax=amount * rate // 100,
        )
        for rate, amount in sorted(chosen.items(), reverse=True)
    ]
    note.amount = sum(r.amount for r in note.rates)
    note.tax = sum(r.tax for r in note.rates)
    note.total = note.amount + note.tax
    note.tax_rate_percent = max(chosen)
    db.session.add(note)
    audit(
        "billing.credit_note",
        actor=actor,
        shop_id=invoice.shop_id,
        target=note.number,
        ip=ip,
        detail={"amount": note.amount, "tax": note.tax}
        | {f"amount_{r.rate_percent}": r.amount for r in note.rates},
    )
    if invoice.stripe_invoice_id and provider() is not None:
        enqueue_after_commit(push_credit_note, shop_id=invoice.shop_id, note_id=str(note.id))
    return note


def _validated_amounts(amounts: dict[int, int | None], left: dict[int, int]) -> dict[int, int]:
    """The rates credited (more than ¥0 each), or a message naming what is wrong."""
    if len(left) == 1:  # one rate: one amount, from ¥1 to what is left
        ((rate, most),) = left.items()
        amount = amounts.get(rate)
        if amount is None or not 1 <= amount <= most:
            raise ValidationFailed(
                f"amount_{rate}",
                gettext("Enter whole yen before tax from 1 to %(left)s.", left=f"{most:,}"),
            )
        return {rate: amount}
    unknown = sorted(set(amounts) - set(left))
    if unknown:
        raise ValidationFailed(
            f"amount_{unknown[0]}",
            gettext("The invoice has no items at %(rate)d%%.", rate=unknown[0]),
        )
    for rate, most in left.items():
        amount = amounts.get(rate, 0)
        if amount is None or not 0 <= amount <= most:
            raise ValidationFailed(
                f"amount_{rate}",
                gettext(
                    "At %(rate)d%%, enter whole yen before tax from 0 to %(left)s (what the "
                    "invoice has left at that rate).",
                    rate=rate,
                    left=f"{most:,}",
                ),
            )
    chosen = {rate: amount for rate, amount in amounts.items() if amount}
    if not chosen:
        raise ValidationFailed(
            "amount", gettext("Enter the yen before tax to credit at one rate at least.")
        )
    return chosen


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
