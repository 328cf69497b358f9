"""The same calls against Stripe's real test mode, only when STRIPE_TEST_SECRET_KEY is set."""

from __future__ import annotations

import os
import uuid

import pytest

from billing.providers import PaymentDeclined, StripeProvider

KEY = os.environ.get("STRIPE_TEST_SECRET_KEY", "")

pytestmark = pytest.mark.skipif(
    not KEY.startswith("sk_test_"), reason="STRIPE_TEST_SECRET_KEY is not set"
)


@pytest.fixture
def live() -> StripeProvider:
    return StripeProvider(KEY)


def test_an_invoice_is_created_once_finalised_and_paid_in_test_mode(live: StripeProvider) -> None:
    run = uuid.uuid4().hex
    customer = live.create_customer(
        name="テスト店", email="test@example.jp", shop_id=run, key=f"{run}:customer"
    )
    assert (
        live.create_customer(
            name="テスト店", email="test@example.jp", shop_id=run, key=f"{run}:customer"
        )
        == customer
    )
    card = live.client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer})
    live.make_default_card(customer_id=customer, payment_method_id=str(card.id), key=f"{run}:card")
    items = [("月額最低料金（不足分）", 30000), ("消費税（10%対象 ¥30,000）", 3000)]
    metadata = {"shop_id": run, "invoice_id": run, "period": "2026-10"}
    invoice = live.create_invoice(customer_id=customer, items=items, metadata=metadata, key=run)
    again = live.create_invoice(customer_id=customer, items=items, metadata=metadata, key=run)
    assert (invoice.id, invoice.total, invoice.status) == (again.id, 33000, "open")
    paid = live.pay_invoice(invoice.id, key=f"{run}:pay:1")
    assert (paid.status, paid.amount_paid) == ("paid", 33000)
    live.close()


def test_a_declining_card_is_reported_in_test_mode(live: StripeProvider) -> None:
    run = uuid.uuid4().hex
    customer = live.create_customer(name="x", email="", shop_id=run, key=f"{run}:customer")
    card = live.client.v1.payment_methods.attach(
        "pm_card_chargeDeclined", params={"customer": customer}
    )
    live.make_default_card(customer_id=customer, payment_method_id=str(card.id), key=f"{run}:card")
    invoice = live.create_invoice(
        customer_id=customer, items=[("x", 1000)], metadata={"shop_id": run}, key=run
    )
    with pytest.raises(PaymentDeclined):
        live.pay_invoice(invoice.id, key=f"{run}:pay:1")
    live.close()
