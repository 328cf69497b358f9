"""The local server speaks Stripe's API as the real `stripe` library expects: idempotency, errors,
declines, Checkout in setup mode, events and signed webhooks."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
import stripe

from billing.stripe_local.forms import decode
from billing.stripe_local.server import LocalStripe
from billing.stripe_local.signing import sign
from tests.billing.conftest import WEBHOOK_SECRET


def customer(client: stripe.StripeClient, **params: object) -> stripe.Customer:
    return client.v1.customers.create(params={"name": "はなこ雑貨店", **params})  # type: ignore[arg-type]


def test_nested_form_fields_decode_like_stripes() -> None:
    assert decode(
        [
            ("metadata[shop]", "alpha"),
            ("lines[0][amount]", "100"),
            ("lines[1][amount]", "200"),
            ("expand[]", "customer"),
            ("expand[]", "lines"),
        ]
    ) == {
        "metadata": {"shop": "alpha"},
        "lines": [{"amount": "100"}, {"amount": "200"}],
        "expand": ["customer", "lines"],
    }


def test_an_idempotency_key_replays_the_first_response(
    stripe_client: stripe.StripeClient, local_stripe: LocalStripe
) -> None:
    options: stripe.RequestOptions = {"idempotency_key": "alpha:2026-10:customer"}
    first = stripe_client.v1.customers.create(params={"name": "alpha"}, options=options)
    again = stripe_client.v1.customers.create(params={"name": "alpha"}, options=options)
    assert again.id == first.id
    assert len(local_stripe.store.objects["customer"]) == 1
    assert len(local_stripe.events_of("customer.created")) == 1


def test_a_key_reused_with_other_parameters_is_refused(stripe_client: stripe.StripeClient) -> None:
    options: stripe.RequestOptions = {"idempotency_key": "alpha:2026-10:customer"}
    stripe_client.v1.customers.create(params={"name": "alpha"}, options=options)
    with pytest.raises(stripe.IdempotencyError) as refused:
        stripe_client.v1.customers.create(params={"name": "beta"}, options=options)
    assert refused.value.http_status == 400
    assert "can only be used with the same parameters" in str(refused.value.user_message)


def test_errors_have_stripes_shape(local_stripe: LocalStripe) -> None:
    def post(path: str, data: dict[str, str], key: str | None = "sk_test_x") -> tuple[int, dict]:
        request = urllib.request.Request(  # noqa: S310 - the local server
            local_stripe.url + path,
            data=urllib.parse.urlencode(data).encode(),
            headers={"Authorization": f"Bearer {key}"} if key else {},
        )
        try:
            with urllib.request.urlopen(request) as response:  # noqa: S310
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.load(error)

    status, body = post("/v1/invoices", {})
    assert status == 400
    assert body["error"] == {
        "type": "invalid_request_error",
        "message": "Missing required param: customer.",
        "code": "parameter_missing",
        "param": "customer",
        "request_log_url": body["error"]["request_log_url"],
    }
    status, body = post("/v1/invoices", {"customer": "cus_nobody"})
    assert (status, body["error"]["code"]) == (404, "resource_missing")
    assert body["error"]["message"] == "No such customer: 'cus_nobody'"
    status, body = post("/v1/customers", {}, key=None)
    assert status == 401
    assert "You did not provide an API key" in body["error"]["message"]
    status, body = post("/v1/nothing", {})
    assert status == 404
    assert "Unrecognized request URL" in body["error"]["message"]


def invoice_for(client: stripe.StripeClient, customer_id: str, *amounts: int) -> stripe.Invoice:
    invoice = client.v1.invoices.create(
        params={"customer": customer_id, "currency": "jpy", "auto_advance": False}
    )
    assert invoice.id is not None
    for amount in amounts:
        client.v1.invoice_items.create(
            params={
                "customer": customer_id,
                "invoice": invoice.id,
                "amount": amount,
                "currency": "jpy",
            }
        )
    return client.v1.invoices.finalize_invoice(invoice.id)


def test_an_invoice_is_finalised_and_paid_with_the_saved_card(
    stripe_client: stripe.StripeClient, local_stripe: LocalStripe
) -> None:
    shop = customer(stripe_client)
    card = stripe_client.v1.payment_methods.attach("pm_card_visa", params={"customer": shop.id})
    stripe_client.v1.customers.update(
        shop.id, params={"invoice_settings": {"default_payment_method": card.id}}
    )
    invoice = invoice_for(stripe_client, shop.id, 30000, 3000)
    assert (invoice.status, invoice.total, invoice.amount_due) == ("open", 33000, 33000)
    assert invoice.id is not None
    paid = stripe_client.v1.invoices.pay(invoice.id)
    assert (paid.status, paid.amount_paid, paid.amount_remaining) == ("paid", 33000, 0)
    with pytest.raises(stripe.InvalidRequestError, match="already paid"):
        stripe_client.v1.invoices.pay(invoice.id)
    assert [e["type"] for e in local_stripe.store.events][-2:] == [
        "invoice.paid",
        "invoice.payment_succeeded",
    ]


def test_a_declining_card_fails_the_payment_and_the_invoice_stays_open(
    stripe_client: stripe.StripeClient, local_stripe: LocalStripe
) -> None:
    shop = customer(stripe_client)
    card = stripe_client.v1.payment_methods.attach(
        "pm_card_chargeDeclined", params={"customer": shop.id}
    )
    stripe_client.v1.customers.update(
        shop.id, params={"invoice_settings": {"default_payment_method": card.id}}
    )
    invoice = invoice_for(stripe_client, shop.id, 33000)
    assert invoice.id is not None
    with pytest.raises(stripe.CardError) as declined:
        stripe_client.v1.invoices.pay(invoice.id)
    assert declined.value.code == "card_declined"
    assert declined.value.http_status == 402
    after = stripe_client.v1.invoices.retrieve(invoice.id)
    assert (after.status, after.attempt_count) == ("open", 1)
    assert local_stripe.events_of("invoice.payment_failed")


def test_checkout_in_setup_mode_saves_a_card_on_stripes_page(
    stripe_client: stripe.StripeClient, local_stripe: LocalStripe
) -> None:
    shop = customer(stripe_client)
    session = stripe_client.v1.checkout.sessions.create(
        params={
            "mode": "setup",
            "customer": shop.id,
            "currency": "jpy",
            "success_url": "http://shop.example/done?session={CHECKOUT_SESSION_ID}",
            "cancel_url": "http://shop.example/billing",
        }
    )
    assert session.url is not None
    assert session.url.startswith(local_stripe.url)
    with urllib.request.urlopen(session.url) as opened:  # noqa: S310
        page = opened.read().decode()
    assert "カード番号" in page
    form = urllib.parse.urlencode({"card_number": "4242 4242 4242 4242"}).encode()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    with pytest.raises(urllib.error.HTTPError) as redirected:
        urllib.request.build_opener(NoRedirect).open(session.url, data=form)
    redirected.value.close()
    assert redirected.value.code == 303
    assert redirected.value.headers["Location"] == f"http://shop.example/done?session={session.id}"
    assert session.id is not None
    done = stripe_client.v1.checkout.sessions.retrieve(session.id)
    assert done.status == "complete"
    assert done.setup_intent is not None
    intent = stripe_client.v1.setup_intents.retrieve(str(done.setup_intent))
    assert intent.status == "succeeded"
    method = stripe_client.v1.payment_methods.retrieve(str(intent.payment_method))
    assert method.card is not None
    assert method.card.last4 == "4242"


def test_events_are_listed_newest_first_page_by_page(
    stripe_client: stripe.StripeClient, local_stripe: LocalStripe
) -> None:
    for name in ("a", "b", "c"):
        customer(stripe_client, description=name)
    first = stripe_client.v1.events.list(params={"limit": 2})
    assert first.has_more
    rest = stripe_client.v1.events.list(params={"limit": 2, "starting_after": first.data[-1].id})
    assert not rest.has_more
    ids = [e.id for e in first.data + rest.data]
    assert ids == [e["id"] for e in reversed(local_stripe.store.events)]


def test_webhooks_are_signed_as_stripe_signs_them(local_stripe: LocalStripe) -> None:
    received: list[tuple[bytes, dict[str, str]]] = []
    local_stripe.transport = lambda payload, headers: received.append((payload, headers)) or 200
    local_stripe.store.create_customer({"name": "alpha"})
    (event,) = local_stripe.held
    assert local_stripe.deliver(event["id"]) == 200
    payload, headers = received[0]
    verified = stripe.Webhook.construct_event(
        payload.decode(), headers["Stripe-Signature"], WEBHOOK_SECRET
    )
    assert verified.type == "customer.created"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(
            payload.decode(), sign(payload, "whsec_wrong"), WEBHOOK_SECRET
        )
