"""Collection through Stripe (the local Stripe-speaking server, the real library): the card saved on
Stripe's Checkout page, the invoice created with stable keys and charged, webhooks verified and
stored by id, late, repeated and reordered deliveries, reconciliation of missed ones."""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from billing import collection, tasks
from billing.models import Invoice, StripeCustomer, StripeEvent
from billing.providers import StripeProvider, provider
from billing.runs import bill_period
from billing.stripe_local.server import LocalStripe
from billing.stripe_local.signing import sign
from tenants.coverage.services import today_in_tokyo
from tenants.db import db
from tenants.scoping import SYSTEM, set_scope
from tests.billing.conftest import WEBHOOK_SECRET
from tests.billing.support import add_rate_card, last_month, old_shop
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD

WEBHOOK = "/billing/stripe/webhook"


def owner(app: Flask, slug: str = "alpha") -> FlaskClient:
    shop = old_shop(app, slug)
    client = app.test_client()
    log_in(client, shop["email"], PASSWORD)
    return client


def save_card(client: FlaskClient, local: LocalStripe, number: str, slug: str = "alpha") -> None:
    """The owner's way: our button, then Stripe's page, where the card is typed."""
    page = f"/shops/{slug}/billing/"
    response = client.post(
        f"/shops/{slug}/billing/card", data={"csrf_token": csrf_token(client, page)}
    )
    assert response.status_code == 303
    checkout = response.headers["Location"]
    assert checkout.startswith(local.url + "/c/pay/")
    form = urllib.parse.urlencode({"card_number": number}).encode()
    urllib.request.build_opener(_NoRedirect).open(checkout, data=form)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None

    def http_error_303(
        self, req: object, fp: object, code: int, msg: str, headers: object
    ) -> object:
        return fp


def carded_owner(app: Flask, local: LocalStripe, number: str) -> FlaskClient:
    """A shop with last month to bill, whose owner saved this card (its webhook delivered)."""
    add_rate_card(app)
    client = owner(app)
    save_card(client, local, number)
    deliver_held(local)
    return client


def deliver_held(local: LocalStripe) -> None:
    while local.held:
        assert local.deliver(local.held.pop(0)["id"]) == 200


def run_billing(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["billing", "run", "--period", str(last_month())])
    assert result.exit_code == 0, result.output


def our_invoice(app: Flask, period: str | None = None) -> Invoice:
    with system(app) as session:
        query = select(Invoice)
        if period is not None:
            query = query.where(Invoice.period == period)
        row = session.scalars(query).one()
        session.expunge(row)
        return row


def test_a_saved_card_pays_the_monthly_invoice(
    stripe_app: Flask, local_stripe: LocalStripe
) -> None:
    add_rate_card(stripe_app)
    client = owner(stripe_app)
    save_card(client, local_stripe, "4242 4242 4242 4242")
    deliver_held(local_stripe)  # checkout.session.completed reaches the webhook
    page = client.get("/shops/alpha/billing/").get_data(as_text=True)
    assert "VISA" in page
    assert "4242" in page
    run_billing(stripe_app)
    invoice = our_invoice(stripe_app)
    assert invoice.status == "paid"
    assert invoice.paid_at is not None
    (remote,) = local_stripe.store.objects["invoice"].values()
    assert remote["status"] == "paid"
    assert remote["total"] == invoice.total == 33000
    assert [line["amount"] for line in remote["lines"]["data"]] == [30000, 3000]
    assert remote["lines"]["data"][1]["description"] == "消費税（10%対象 ¥30,000）"
    assert remote["metadata"] == {
        "shop_id": str(invoice.shop_id),
        "invoice_id": str(invoice.id),
        "period": str(last_month()),
    }
    assert "お支払い済み" in client.get("/shops/alpha/billing/").get_data(as_text=True)


def test_a_declined_card_leaves_the_invoice_open_and_marked_failed(
    stripe_app: Flask, local_stripe: LocalStripe
) -> None:
    carded_owner(stripe_app, local_stripe, "4000 0000 0000 0002")
    run_billing(stripe_app)
    invoice = our_invoice(stripe_app)
    assert invoice.status == "open"
    assert invoice.payment_failed_at is not None
    assert invoice.payment_attempts == 1
    assert local_stripe.events_of("invoice.payment_failed")


def test_a_collection_that_dies_after_stripe_answered_creates_and_charges_once(
    stripe_app: Flask, local_stripe: LocalStripe
) -> None:
    carded_owner(stripe_app, local_stripe, "4242 4242 4242 4242")
    # Bill without collecting, then collect in a transaction that is lost (the worker died after
    # Stripe answered but before our commit), then collect again.
    with system(stripe_app):
        bill_period(last_month(), today_in_tokyo())
    invoice = our_invoice(stripe_app)
    with stripe_app.app_context():
        set_scope(db.session, SYSTEM)
        collection.collect_invoice(shop_id=invoice.shop_id, invoice_id=str(invoice.id))
        db.session.rollback()
    with stripe_app.app_context():
        set_scope(db.session, SYSTEM)
        collection.collect_invoice(shop_id=invoice.shop_id, invoice_id=str(invoice.id))
        db.session.commit()
    assert len(local_stripe.store.objects["invoice"]) == 1
    assert len(local_stripe.store.objects["invoiceitem"]) == 2
    assert len(local_stripe.events_of("invoice.paid")) == 1
    assert our_invoice(stripe_app).status == "paid"


def paid_outside_our_run(app: Flask, local: LocalStripe) -> Invoice:
    """An invoice billed before the card was saved, then paid in Stripe (e.g. Stripe's retry)."""
    add_rate_card(app)
    owner(app)
    run_billing(app)  # no card: created and finalised in Stripe, left open
    invoice = our_invoice(app)
    assert invoice.status == "open"
    remote_id = str(invoice.stripe_invoice_id)
    customer = local.store.objects["invoice"][remote_id]["customer"]
    with app.app_context():
        gateway = provider()
    assert isinstance(gateway, StripeProvider)
    client = gateway.client
    card = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer})
    client.v1.invoices.pay(remote_id, params={"payment_method": str(card.id)})
    return invoice


def invoice_events(local: LocalStripe) -> list[dict]:
    return [
        e
        for e in local.store.events
        if e["type"] in ("invoice.finalized", "invoice.paid", "invoice.payment_succeeded")
    ]


def test_a_webhook_delivered_three_times_in_reverse_order_leaves_the_right_state(
    stripe_app: Flask, local_stripe: LocalStripe
) -> None:
    paid_outside_our_run(stripe_app, local_stripe)
    events = invoice_events(local_stripe)
    assert [e["type"] for e in events] == [
        "invoice.finalized",
        "invoice.paid",
        "invoice.payment_succeeded",
    ]
    for _ in range(3):
        for event in reversed(events):
            assert local_stripe.deliver(event["id"]) == 200
    assert our_invoice(stripe_app).status == "paid"
    with system(stripe_app) as session:
        stored = session.scalars(select(StripeEvent).order_by(StripeEvent.type)).all()
        assert [(e.type, e.status) for e in stored] == [
            ("invoice.finalized", "processed"),
            ("invoice.paid", "processed"),
            ("invoice.payment_succeeded", "processed"),
        ]


def test_an_event_id_is_stored_and_its_handling_asked_for_once(stripe_app: Flask) -> None:
    """Two deliveries of one event: the first is stored and handled, the second is told apart."""
    from billing import stripe_events
    from tenants.models import OutboxJob

    with system(stripe_app) as session:
        assert stripe_events.record("evt_twice", "invoice.paid", 1_764_000_000, "webhook") is True
        assert stripe_events.record("evt_twice", "invoice.paid", 1_764_000_000, "webhook") is False
        jobs = session.scalars(select(OutboxJob.key).where(OutboxJob.key.contains("evt_twice")))
        assert list(jobs) == ["stripe-event:evt_twice"]


def test_a_late_finalized_event_does_not_undo_the_payment(
    stripe_app: Flask, local_stripe: LocalStripe
) -> None:
    paid_outside_our_run(stripe_app, local_stripe)
    paid, finalized = (local_stripe.events_of(t)[0] for t in ("invoice.paid", "invoice.finalized"))
    assert local_stripe.deliver(paid["id"]) == 200
    assert local_stripe.deliver(finalized["id"]) == 200  # an hour late: re-fetched, still paid
    assert our_invoice(stripe_app).status == "paid"


def test_a_forged_signature_is_refused_and_changes_nothing(
    stripe_app: Flask, local_stripe: LocalStripe, client: FlaskClient
) -> None:
    paid_outside_our_run(stripe_app, local_stripe)
    event = local_stripe.events_of("invoice.paid")[0]
    payload = json.dumps(event).encode()
    now = int(time.time())
    for header in (
        sign(payload, "whsec_someone_else"),
        sign(payload, WEBHOOK_SECRET, now - 3600),  # replayed an hour later
        sign(payload.replace(b"paid", b"void"), WEBHOOK_SECRET).replace("x", "y"),
        "t=1,v1=00",
        "",
    ):
        response = client.post(WEBHOOK, data=payload, headers={"Stripe-Signature": header})
        assert response.status_code == 400, header
    tampered = payload.replace(b'"invoice.paid"', b'"invoice.voided"')
    response = client.post(
        WEBHOOK, data=tampered, headers={"Stripe-Signature": sign(payload, WEBHOOK_SECRET)}
    )
    assert response.status_code == 400
    with system(stripe_app) as session:
        assert session.scalar(select(func.count()).select_from(StripeEvent)) == 0
    assert our_invoice(stripe_app).status == "open"


def test_reconciliation_handles_events_that_never_arrived(
    stripe_app: Flask, local_stripe: LocalStripe
) -> None:
    paid_outside_our_run(stripe_app, local_stripe)  # its webhooks are held: never delivered
    tasks.reconcile_stripe(stripe_app)
    assert our_invoice(stripe_app).status == "paid"
    with system(stripe_app) as session:
        sources = set(session.scalars(select(StripeEvent.source)))
        assert sources == {"reconciliation"}
        count = session.scalar(select(func.count()).select_from(StripeEvent))
    tasks.reconcile_stripe(stripe_app)  # the next day: nothing new
    with system(stripe_app) as session:
        assert session.scalar(select(func.count()).select_from(StripeEvent)) == count


def test_a_shop_cannot_start_checkout_for_another(stripe_app: Flask) -> None:
    owner(stripe_app, "alpha")
    beta = owner(stripe_app, "beta")
    response = beta.post(
        "/shops/alpha/billing/card", data={"csrf_token": csrf_token(beta, "/shops/beta/billing/")}
    )
    assert response.status_code == 404
    with system(stripe_app) as session:
        assert session.scalar(select(func.count()).select_from(StripeCustomer)) == 0
