"""Stripe's events: stored by id before anything is done, then handled by a job that re-fetches.

An event arrives by webhook (signature checked first) or by the daily reconciliation that lists
Stripe's events to catch deliveries we missed. Either way the event id is inserted first; an id
already stored is a duplicate and changes nothing. The handler reads the object's current state
from Stripe, so late, repeated or reordered deliveries all leave the state Stripe has now.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from billing import collection, reactivation
from billing.models import Invoice, StripeEvent
from billing.providers import provider
from tenants.db import db, utcnow
from tenants.jobs import enqueue_after_commit, task
from tenants.models import Shop

log = logging.getLogger(__name__)

HANDLED = (
    "checkout.session.completed",
    "customer.updated",
    "invoice.finalized",
    "invoice.paid",
    "invoice.payment_failed",
    "invoice.payment_succeeded",
    "invoice.voided",
    "invoice.marked_uncollectible",
)
#: How far back reconciliation looks before the newest event we hold.
RECONCILE_OVERLAP_S = 3 * 24 * 3600


def record(event_id: str, type_: str, created: int, source: str) -> bool:
    """Store the event (True) unless its id is stored already (False); handling follows commit."""
    values = {
        "id": event_id,
        "type": type_[:100],
        "created": created,
        "source": source,
        "status": "received" if type_ in HANDLED else "ignored",
        "received_at": utcnow(),
    }
    # One statement that inserts or does nothing: two deliveries racing store the event once.
    dialect = db.session.get_bind().dialect.name
    insert: Any = pg_insert(StripeEvent) if dialect == "postgresql" else sqlite_insert(StripeEvent)
    # an INSERT's row count is kept only when asked for (SQLAlchemy drops it otherwise: -1)
    statement = insert.values(**values).on_conflict_do_nothing()
    result = db.session.execute(statement.execution_options(preserve_rowcount=True))
    added = bool(result.rowcount)  # type: ignore[attr-defined]
    if added and type_ in HANDLED:
        enqueue_after_commit(handle_event, key=f"stripe-event:{event_id}", event_id=event_id)
    return added


@task
def handle_event(*, event_id: str) -> None:
    """Act on a stored event from the object's state in Stripe now."""
    event = db.session.get(StripeEvent, event_id)
    gateway = provider()
    if event is None or event.status != "received" or gateway is None:
        return
    body = _event_object(event_id)
    if event.type == "checkout.session.completed":
        outcome = _checkout_completed(body)
    elif event.type == "customer.updated":
        outcome = collection.default_card_changed(str(body.get("id", "")))
    else:
        outcome = _invoice_changed(str(body.get("id", "")))
    event.status, event.processed_at = outcome, utcnow()


def _event_object(event_id: str) -> dict[str, Any]:
    gateway = provider()
    assert gateway is not None  # noqa: S101 - checked by the caller
    event = gateway.get_event(event_id)
    data = event.get("data") or {}
    found = data.get("object") or {}
    return found if isinstance(found, dict) else {}


def _invoice_changed(stripe_invoice_id: str) -> str:
    gateway = provider()
    if gateway is None or not stripe_invoice_id:
        return "ignored"
    remote = gateway.get_invoice(stripe_invoice_id)
    try:
        shop_id = uuid.UUID(remote.metadata.get("shop_id", ""))
        invoice_id = uuid.UUID(remote.metadata.get("invoice_id", ""))
    except ValueError:
        return "ignored"  # not one of ours
    invoice = db.session.get(Invoice, (shop_id, invoice_id))
    if invoice is None or invoice.stripe_invoice_id not in (None, remote.id):
        return "ignored"
    collection.mirror(invoice, remote)
    return "processed"


def _checkout_completed(session: dict[str, Any]) -> str:
    gateway = provider()
    if gateway is None:
        return "ignored"
    found = gateway.card_from_checkout(str(session.get("id", "")))
    metadata = session.get("metadata") or {}
    if found is None:
        return "ignored"
    try:
        shop_id = uuid.UUID(str(metadata.get("shop_id", "")))
    except ValueError:
        return "ignored"
    customer_id, card = found
    collection.card_saved(shop_id, customer_id, card)
    return "processed"


def reconcile_suspended() -> int:
    """Re-read the unpaid invoices of shops suspended for non-payment; reactivate the settled ones.

    The events reconciliation finds are handled by jobs after it commits; this reads the invoices
    themselves, so a payment whose event is lost altogether still lifts the suspension.
    """
    gateway = provider()
    reactivated = 0
    for shop_id in reactivation.suspended_for_non_payment():
        unpaid = db.session.scalars(
            select(Invoice).where(
                Invoice.shop_id == shop_id,
                Invoice.status.in_(reactivation.UNPAID),
                Invoice.stripe_invoice_id.is_not(None),
            )
        )
        if gateway is not None:
            for invoice in list(unpaid):
                collection.mirror(invoice, gateway.get_invoice(str(invoice.stripe_invoice_id)))
        reactivation.reactivate_if_settled(shop_id)  # also when settled without Stripe
        reactivated += db.session.get_one(Shop, shop_id).status == "active"
    return reactivated


def reconcile() -> int:
    """Store (and so handle) every handled event Stripe has that we do not; return how many."""
    gateway = provider()
    if gateway is None:
        return 0
    newest = db.session.scalar(select(func.max(StripeEvent.created)))
    since = (newest or int(utcnow().timestamp()) - 30 * 24 * 3600) - RECONCILE_OVERLAP_S
    added = 0
    for event in gateway.events_since(since, HANDLED):
        if record(str(event["id"]), str(event["type"]), int(event["created"]), "reconciliation"):
            added += 1
    return added
