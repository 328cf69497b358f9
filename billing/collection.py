"""Collecting invoices through Stripe: the shop's Customer, its card, the invoice charged.

Each step is an idempotent job: Stripe writes carry keys `{shop}:{period}:{step}`, so a job that
dies after Stripe answered and runs again gets the first answer back instead of a second invoice
or charge. Our invoice mirrors the state of Stripe's, always read back from Stripe (a response we
asked for, or the object re-fetched for an event), never taken from a webhook's payload.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select

from billing import labels, reactivation, reminders
from billing.models import Invoice, StripeCustomer
from billing.providers import (
    PaymentDeclined,
    PaymentProvider,
    RemoteInvoice,
    SavedCard,
    provider,
)
from tenants.db import db, new_id, utcnow
from tenants.jobs import enqueue_after_commit, task
from tenants.models import Shop, ShopMembership, ShopRole, User
from tenants.scoping import get_for_shop

log = logging.getLogger(__name__)

#: Our statuses from Stripe's (a Stripe draft is still our issued, open invoice).
STATUS_FROM_STRIPE = {
    "draft": "open",
    "open": "open",
    "paid": "paid",
    "uncollectible": "uncollectible",
    "void": "void",
}


def stripe_items(invoice: Invoice) -> list[tuple[str, int]]:
    """Our items, then one item per tax rate: Stripe's total is ours, tax never per line."""
    items = [
        (f"{labels.item_label(line)} {labels.quantity(line)}", line.amount)
        for line in invoice.lines
    ]
    items.extend(
        (
            labels.gettext(
                "Consumption tax %(rate)d%% on %(base)s",
                rate=tax.rate_percent,
                base=f"¥{tax.taxable:,}",
            ),
            tax.tax,
        )
        for tax in invoice.taxes
        if tax.tax
    )
    return items


def customer_of(shop_id: uuid.UUID) -> StripeCustomer | None:
    return db.session.scalar(select(StripeCustomer).where(StripeCustomer.shop_id == shop_id))


def ensure_customer(shop: Shop, gateway: PaymentProvider) -> StripeCustomer:
    """The shop's Stripe Customer, created once (the key makes a retried creation the same one)."""
    existing = customer_of(shop.id)
    if existing is not None:
        return existing
    owner_email = db.session.scalar(
        select(User.email)
        .join(ShopMembership, ShopMembership.user_id == User.id)
        .where(ShopMembership.shop_id == shop.id, ShopMembership.role == ShopRole.OWNER)
        .order_by(ShopMembership.created_at)
        .limit(1)
    )
    customer_id = gateway.create_customer(
        name=shop.name, email=owner_email or "", shop_id=str(shop.id), key=f"{shop.id}:customer"
    )
    row = StripeCustomer(shop_id=shop.id, id=new_id(), customer_id=customer_id)
    db.session.add(row)
    return row


def mirror(invoice: Invoice, remote: RemoteInvoice) -> None:
    """Our invoice takes the state Stripe reports for it now."""
    invoice.stripe_invoice_id = remote.id
    was = invoice.status
    invoice.status = STATUS_FROM_STRIPE.get(remote.status, invoice.status)
    if invoice.status == "paid" and invoice.paid_at is None:
        invoice.paid_at = utcnow()
    if was in reactivation.UNPAID and invoice.status not in reactivation.UNPAID:
        reactivation.reactivate_if_settled(invoice.shop_id)
    if invoice.status == "open" and remote.attempt_count > 0 and invoice.payment_failed_at is None:
        invoice.payment_failed_at = utcnow()
        reminders.queue_due(invoice)


def enqueue_collection(invoice: Invoice) -> None:
    """Collect this invoice once its transaction commits (when Stripe is configured)."""
    if provider() is None:
        return
    enqueue_after_commit(
        collect_invoice,
        shop_id=invoice.shop_id,
        key=f"collect:{invoice.shop_id}:{invoice.period}:{invoice.payment_attempts + 1}",
        invoice_id=str(invoice.id),
    )


@task
def collect_invoice(*, shop_id: uuid.UUID, invoice_id: str) -> None:
    """Create the invoice in Stripe (once), finalise it and charge the saved card."""
    gateway = provider()
    if gateway is None:
        return
    invoice = get_for_shop(Invoice, shop_id, invoice_id)
    if invoice.status != "open":
        return
    shop = db.session.get_one(Shop, shop_id)
    customer = ensure_customer(shop, gateway)
    key = f"{shop.id}:{invoice.period}"
    if invoice.stripe_invoice_id is None:
        remote = gateway.create_invoice(
            customer_id=customer.customer_id,
            items=stripe_items(invoice),
            metadata={
                "shop_id": str(shop.id),
                "invoice_id": str(invoice.id),
                "period": invoice.period,
            },
            key=key,
        )
        if remote.total != invoice.total:
            raise RuntimeError(
                f"Stripe's total {remote.total} differs from the invoice's {invoice.total}"
            )
        mirror(invoice, remote)
    if customer.payment_method_id is None or invoice.status != "open":
        return  # no card saved yet: charged when the owner saves one
    invoice.payment_attempts += 1
    try:
        remote = gateway.pay_invoice(
            str(invoice.stripe_invoice_id), key=f"{key}:pay:{invoice.payment_attempts}"
        )
    except PaymentDeclined as declined:
        log.info("payment of %s declined: %s", invoice.number, declined)
        invoice.payment_failed_at = invoice.payment_failed_at or utcnow()
        reminders.queue_due(invoice)
        return
    mirror(invoice, remote)


def card_saved(shop_id: uuid.UUID, customer_id: str, card: SavedCard) -> None:
    """The card saved through Checkout becomes the default; open invoices are charged again."""
    customer = customer_of(shop_id)
    if customer is None or customer.customer_id != customer_id:
        raise LookupError(f"customer {customer_id} is not the shop's")
    gateway = provider()
    if gateway is None:
        return
    gateway.make_default_card(
        customer_id=customer_id,
        payment_method_id=card.payment_method_id,
        key=f"{shop_id}:card:{card.payment_method_id}",
    )
    use_card(customer, card)


def default_card_changed(customer_id: str) -> str:
    """The Customer's default card as Stripe has it now (changed in the customer portal) is ours.

    The Customer is found by its id among ours and must name the same shop in its metadata; a card
    we already use changes nothing. Returns the event's outcome.
    """
    gateway = provider()
    customer = db.session.scalar(
        select(StripeCustomer).where(StripeCustomer.customer_id == customer_id)
    )
    if gateway is None or customer is None:
        return "ignored"
    shop_id, card = gateway.default_card(customer_id)
    if shop_id != str(customer.shop_id):
        return "ignored"
    if card is not None and card.payment_method_id != customer.payment_method_id:
        use_card(customer, card)
    return "processed"


def use_card(customer: StripeCustomer, card: SavedCard) -> None:
    """Invoices are charged to this card from now on; the open ones are charged again."""
    customer.payment_method_id = card.payment_method_id
    customer.card_brand, customer.card_last4 = card.brand[:20], card.last4[:4]
    unpaid = db.session.scalars(
        select(Invoice).where(Invoice.shop_id == customer.shop_id, Invoice.status == "open")
    )
    for invoice in unpaid:
        enqueue_collection(invoice)
