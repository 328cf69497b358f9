"""Stripe's customer portal: the owner's button opens a portal session (the real library against the
local Stripe server), a new default card added there reaches us by webhook and the failed invoice is
charged again; only the shop's owners get there; the failed-payment mail links to it."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request

import pytest
import stripe
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from billing.models import StripeCustomer, StripeEvent
from billing.stripe_local.server import LocalStripe
from tenants import services
from tenants.models import Shop, ShopRole, StaffRole
from tests.billing.support import old_shop
from tests.billing.test_stripe_collection import (
    _NoRedirect,
    carded_owner,
    deliver_held,
    our_invoice,
    run_billing,
)
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_staff
from tests.smtp import SmtpStandIn

PAGE = "/shops/alpha/billing/"


def open_portal(client: FlaskClient, slug: str = "alpha") -> str:
    """The owner's button: our endpoint answers 303 to the portal session's URL."""
    page = f"/shops/{slug}/billing/"
    response = client.post(
        f"/shops/{slug}/billing/portal", data={"csrf_token": csrf_token(client, page)}
    )
    assert response.status_code == 303, response.status_code
    return str(response.headers["Location"])


def portal_get(url: str) -> str:
    with urllib.request.urlopen(url) as response:  # noqa: S310 - the local server
        return str(response.read().decode())


def portal_add_card(url: str, number: str) -> str:
    """Type a card on the portal page; returns where the page sends the browser next."""
    form = urllib.parse.urlencode({"card_number": number}).encode()
    with urllib.request.build_opener(_NoRedirect).open(url, data=form) as response:
        assert response.status == 303
        return str(response.headers["Location"])


def declined_invoice(app: Flask, local: LocalStripe) -> FlaskClient:
    owner = carded_owner(app, local, "4000 0000 0000 0002")
    run_billing(app)
    deliver_held(local)
    invoice = our_invoice(app)
    assert (invoice.status, invoice.payment_failed_at is not None) == ("open", True)
    return owner


def test_a_new_default_card_in_the_portal_pays_the_declined_invoice(
    stripe_app: Flask, local_stripe: LocalStripe
) -> None:
    owner = declined_invoice(stripe_app, local_stripe)
    page = owner.get(PAGE).get_data(as_text=True)
    assert "カード・お支払い方法の変更" in page
    url = open_portal(owner)
    (session,) = local_stripe.store.objects["billing_portal.session"].values()
    assert url == session["url"]
    assert url.startswith(local_stripe.url + "/p/session/test_")
    with system(stripe_app) as db_session:
        customer_id = db_session.scalars(select(StripeCustomer.customer_id)).one()
    assert session["object"] == "billing_portal.session"
    assert session["id"].startswith("bps_")
    assert session["customer"] == customer_id
    assert session["return_url"] == "http://localhost/shops/alpha/billing/"
    assert session["locale"] == "ja"
    assert (session["livemode"], session["flow"]) == (False, None)

    shown = portal_get(url)
    assert "VISA •••• 0002" in shown
    assert 'href="http://localhost/shops/alpha/billing/"' in shown  # the way back
    assert portal_add_card(url, "5555 5555 5555 4444").endswith("?updated=1")
    assert "MASTERCARD •••• 4444" in portal_get(url + "?updated=1")
    types = [e["type"] for e in local_stripe.held]
    assert types[:2] == ["payment_method.attached", "customer.updated"]

    deliver_held(
        local_stripe
    )  # customer.updated: re-fetched, the card is ours, the invoice charged
    invoice = our_invoice(stripe_app)
    assert invoice.status == "paid"
    assert "MASTERCARD" in owner.get(PAGE).get_data(as_text=True)
    assert "4444" in owner.get(PAGE).get_data(as_text=True)
    with system(stripe_app) as db_session:
        outcome = db_session.scalars(
            select(StripeEvent.status).where(StripeEvent.type == "customer.updated")
        ).all()
        assert set(outcome) == {"processed"}


def test_customer_updated_again_or_out_of_order_charges_once(
    stripe_app: Flask, local_stripe: LocalStripe
) -> None:
    owner = declined_invoice(stripe_app, local_stripe)
    portal_add_card(open_portal(owner), "4242 4242 4242 4242")
    updates = local_stripe.events_of("customer.updated")
    for _ in range(3):
        for event in reversed(updates):
            assert local_stripe.deliver(event["id"]) == 200
    deliver_held(local_stripe)
    assert our_invoice(stripe_app).status == "paid"
    assert len(local_stripe.events_of("invoice.paid")) == 1


def test_a_declined_card_number_in_the_portal_changes_nothing(
    stripe_app: Flask, local_stripe: LocalStripe
) -> None:
    owner = declined_invoice(stripe_app, local_stripe)
    url = open_portal(owner)
    before = len(local_stripe.store.events)
    form = urllib.parse.urlencode({"card_number": "1234"}).encode()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, data=form)  # noqa: S310 - the local server
    with refused.value:
        assert refused.value.code == 400
        assert "Your card number is incorrect." in refused.value.read().decode()
    assert len(local_stripe.store.events) == before
    assert "VISA •••• 0002" in portal_get(url)


def test_only_the_shops_owners_reach_the_portal(
    stripe_app: Flask, local_stripe: LocalStripe
) -> None:
    old_shop(stripe_app, "alpha")
    beta = old_shop(stripe_app, "beta")
    other = stripe_app.test_client()
    log_in(other, beta["email"], PASSWORD)
    token = csrf_token(other, "/shops/beta/billing/")
    assert other.post("/shops/alpha/billing/portal", data={"csrf_token": token}).status_code == 404
    assert other.get("/shops/alpha/billing/portal").status_code == 404
    with system(stripe_app) as session:
        shop = session.scalars(select(Shop).where(Shop.slug == "alpha")).one()
        clerk = services.create_user(
            email="clerk@alpha.example.jp", display_name="clerk", password=PASSWORD
        )
        services.add_member(shop, clerk, ShopRole.MEMBER)
    member = stripe_app.test_client()
    log_in(member, "clerk@alpha.example.jp", PASSWORD)
    token = csrf_token(member, "/shops/alpha/")
    assert member.post("/shops/alpha/billing/portal", data={"csrf_token": token}).status_code == 403
    admin = stripe_app.test_client()
    log_in(admin, make_staff(stripe_app, StaffRole.ADMIN)["email"], PASSWORD)
    assert admin.get("/shops/alpha/billing/portal").status_code == 404
    assert local_stripe.store.objects["billing_portal.session"] == {}
    with system(stripe_app) as session:
        assert session.scalar(select(func.count()).select_from(StripeCustomer)) == 0


def test_the_failed_payment_mail_leads_to_the_portal(
    stripe_app: Flask, local_stripe: LocalStripe, smtp: SmtpStandIn
) -> None:
    owner = declined_invoice(stripe_app, local_stripe)
    (mail,) = smtp.messages
    found = re.search(r"http://localhost(/shops/alpha/billing/portal)\b", mail.get_content())
    assert found, mail.get_content()
    landing = owner.get(found.group(1))
    assert landing.status_code == 200
    html = landing.get_data(as_text=True)
    assert "カード・お支払い方法の変更" in html
    assert "VISA" in html
    token = csrf_token(owner, found.group(1))
    response = owner.post(found.group(1), data={"csrf_token": token})
    assert response.headers["Location"].startswith(local_stripe.url + "/p/session/test_")


def test_the_portal_session_endpoint_answers_as_stripe_documents(
    stripe_client: stripe.StripeClient, local_stripe: LocalStripe
) -> None:
    customer = stripe_client.v1.customers.create(params={"name": "alpha"})
    options: stripe.RequestOptions = {"idempotency_key": "alpha:portal:1"}
    params: dict[str, str] = {"customer": str(customer.id), "return_url": "https://a.example/b"}
    session = stripe_client.v1.billing_portal.sessions.create(params=params, options=options)  # type: ignore[arg-type]
    assert isinstance(session, stripe.billing_portal.Session)
    assert session.configuration == "bpc_local_default"
    assert (session.customer, session.return_url) == (customer.id, "https://a.example/b")
    again = stripe_client.v1.billing_portal.sessions.create(params=params, options=options)  # type: ignore[arg-type]
    assert again.id == session.id
    deep = stripe_client.v1.billing_portal.sessions.create(
        params={
            "customer": str(customer.id),
            "return_url": "https://a.example/b",
            "flow_data": {
                "type": "payment_method_update",
                "after_completion": {
                    "type": "redirect",
                    "redirect": {"return_url": "https://a.example/done"},
                },
            },
        }
    )
    assert deep.flow is not None
    assert deep.flow.type == "payment_method_update"
    assert portal_add_card(deep.url, "4242424242424242") == "https://a.example/done"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        stripe_client.v1.billing_portal.sessions.create(params={"return_url": "https://a/b"})
    assert (missing.value.http_status, missing.value.param) == (400, "customer")
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        stripe_client.v1.billing_portal.sessions.create(
            params={"customer": "cus_nobody", "return_url": "https://a/b"}
        )
    assert (unknown.value.http_status, unknown.value.code) == (404, "resource_missing")
    with pytest.raises(stripe.InvalidRequestError) as no_return:
        stripe_client.v1.billing_portal.sessions.create(params={"customer": str(customer.id)})
    assert no_return.value.param == "return_url"
    assert "VISA •••• 4242" in portal_get(session.url)  # the card the deep link added
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(local_stripe.url + "/p/session/test_guessed")  # noqa: S310
    with gone.value:
        assert gone.value.code == 404


def test_when_stripe_refuses_the_portal_the_owner_is_told(
    stripe_app: Flask, local_stripe: LocalStripe
) -> None:
    old_shop(stripe_app, "alpha")
    owner = stripe_app.test_client()
    log_in(owner, "owner@alpha.example.jp", PASSWORD)
    local_stripe.store.portal_configured = False  # the account's portal settings never saved
    response = owner.post(
        "/shops/alpha/billing/portal",
        data={"csrf_token": csrf_token(owner, PAGE)},
        follow_redirects=True,
    )
    assert response.request.path == PAGE
    assert "変更画面（Stripe）を開けません" in response.get_data(as_text=True)


def test_without_stripe_the_mail_link_opens_the_billing_page(app: Flask) -> None:
    shop = old_shop(app, "alpha")
    owner = app.test_client()
    log_in(owner, shop["email"], PASSWORD)
    response = owner.get("/shops/alpha/billing/portal")
    assert (response.status_code, response.headers["Location"]) == (302, PAGE)
    token = csrf_token(owner, PAGE)
    assert owner.post("/shops/alpha/billing/portal", data={"csrf_token": token}).status_code == 404
