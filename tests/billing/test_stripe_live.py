"""The same calls against Stripe's real test mode, only when STRIPE_TEST_SECRET_KEY is set.

The account needs its customer portal settings saved once in test mode
(https://dashboard.stripe.com/test/settings/billing/portal), or Stripe refuses portal sessions.
Every run makes its own customers (keys and metadata carry a fresh run id) and deletes them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from billing.providers import PaymentDeclined, SavedCard, StripeProvider

KEY = os.environ.get("STRIPE_TEST_SECRET_KEY", "")

pytestmark = pytest.mark.skipif(
    not KEY.startswith("sk_test_"), reason="STRIPE_TEST_SECRET_KEY is not set"
)


@pytest.fixture
def live() -> Iterator[StripeProvider]:
    provider = StripeProvider(KEY)
    yield provider
    provider.close()


def customer_with_card(live: StripeProvider, run: str, test_card: str) -> str:
    customer = live.create_customer(
        name="テスト店", email="test@example.jp", shop_id=run, key=f"{run}:customer"
    )
    card = live.client.v1.payment_methods.attach(test_card, params={"customer": customer})
    live.make_default_card(customer_id=customer, payment_method_id=str(card.id), key=f"{run}:card")
    return customer


def test_an_invoice_is_created_once_finalised_paid_and_credited_in_test_mode(
    live: StripeProvider,
) -> None:
    run = uuid.uuid4().hex
    customer = customer_with_card(live, run, "pm_card_visa")
    try:
        again = live.create_customer(
            name="テスト店", email="test@example.jp", shop_id=run, key=f"{run}:customer"
        )
        assert again == customer  # the key replays the first answer
        shop_id, card = live.default_card(customer)
        assert shop_id == run
        assert isinstance(card, SavedCard)
        assert (card.brand, card.last4) == ("visa", "4242")
        items = [("月額最低料金（不足分）", 30000), ("消費税（10%対象 ¥30,000）", 3000)]
        metadata = {"shop_id": run, "invoice_id": run, "period": "2026-10"}
        invoice = live.create_invoice(customer_id=customer, items=items, metadata=metadata, key=run)
        replayed = live.create_invoice(
            customer_id=customer, items=items, metadata=metadata, key=run
        )
        assert (invoice.id, invoice.total, invoice.status) == (replayed.id, 33000, "open")
        paid = live.pay_invoice(invoice.id, key=f"{run}:pay:1")
        assert (paid.status, paid.amount_paid) == ("paid", 33000)
        note = live.create_credit_note(
            invoice.id, amount=11000, memo=f"{run}-CN1 返金", to_balance=True, key=f"{run}:cn1"
        )
        assert note.startswith("cn_")
    finally:
        live.client.v1.customers.delete(customer)


def test_a_declining_card_is_reported_in_test_mode(live: StripeProvider) -> None:
    run = uuid.uuid4().hex
    customer = customer_with_card(live, run, "pm_card_chargeDeclined")
    try:
        invoice = live.create_invoice(
            customer_id=customer, items=[("x", 1000)], metadata={"shop_id": run}, key=run
        )
        with pytest.raises(PaymentDeclined):
            live.pay_invoice(invoice.id, key=f"{run}:pay:1")
        assert live.get_invoice(invoice.id).status == "open"
    finally:
        live.client.v1.customers.delete(customer)


def test_a_customer_portal_session_opens_in_test_mode(live: StripeProvider) -> None:
    run = uuid.uuid4().hex
    customer = live.create_customer(name="テスト店", email="", shop_id=run, key=f"{run}:customer")
    try:
        url = live.portal_url(
            customer_id=customer, return_url="https://example.jp/shops/x/billing/", locale="ja"
        )
        assert url.startswith("https://billing.stripe.com/")
        assert live.default_card(customer) == (run, None)
    finally:
        live.client.v1.customers.delete(customer)
