"""The local Stripe-speaking server, started on a free port for a test."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
import stripe
from flask import Flask

from billing.stripe_api import API_VERSION
from billing.stripe_local.server import LocalStripe

WEBHOOK_SECRET = "whsec_test_secret_for_the_local_server"


@pytest.fixture
def local_stripe() -> Iterator[LocalStripe]:
    server = LocalStripe(
        api_version=API_VERSION,
        webhook_url="http://127.0.0.1:9/unused",
        webhook_secret=WEBHOOK_SECRET,
        hold_webhooks=True,
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def stripe_client(local_stripe: LocalStripe) -> Iterator[stripe.StripeClient]:
    http = stripe.RequestsClient()
    yield stripe.StripeClient(
        "sk_test_local",
        base_addresses={"api": local_stripe.url},
        stripe_version=API_VERSION,
        http_client=http,
    )
    http.close()


@pytest.fixture
def stripe_app(app: Flask, local_stripe: LocalStripe, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The application configured for Stripe at the local server, which delivers to it."""
    settings = dataclasses.replace(
        app.config["SETTINGS"],
        stripe_secret_key="sk_test_local",
        stripe_api_base=local_stripe.url,
        stripe_webhook_secret=WEBHOOK_SECRET,
    )
    monkeypatch.setitem(app.config, "SETTINGS", settings)
    webhook_client = app.test_client()
    local_stripe.transport = lambda payload, headers: (
        webhook_client.post("/billing/stripe/webhook", data=payload, headers=headers).status_code
    )
    return app
