"""The objects of the local Stripe server and what each endpoint does to them.

Shapes follow Stripe's API reference for the fields billing reads (ids with Stripe's prefixes, JPY
as a zero-decimal currency, invoices moving draft → open → paid, void or uncollectible); every
change records an event carrying a snapshot of the object, as Stripe's events do.
"""

from __future__ import annotations

import time
from typing import Any

from billing.stripe_local.base import StripeError, metadata, new_id, public, required
from billing.stripe_local.cards import TEST_CARDS, TEST_NUMBERS
from billing.stripe_local.invoices import InvoiceObjects
from billing.stripe_local.portal import PortalObjects


class Store(InvoiceObjects, PortalObjects):
    """One Stripe account: customers, payment methods, Checkout, the customer portal, invoices,
    credit notes, events."""

    # --- customers and payment methods --------------------------------------------------------

    def create_customer(self, params: dict[str, Any]) -> dict[str, Any]:
        customer = self._keep(
            "customer",
            {
                "id": new_id("cus"),
                "object": "customer",
                "created": int(time.time()),
                "name": params.get("name"),
                "email": params.get("email"),
                "description": params.get("description"),
                "metadata": metadata(params),
                "invoice_settings": {"default_payment_method": None},
                "livemode": False,
            },
        )
        self.emit("customer.created", public(customer))
        return customer

    def update_customer(self, customer_id: str, params: dict[str, Any]) -> dict[str, Any]:
        customer = self.get("customer", customer_id)
        for name in ("name", "email", "description"):
            if name in params:
                customer[name] = params[name]
        if "metadata" in params:
            customer["metadata"].update(metadata(params))
        settings = params.get("invoice_settings") or {}
        if "default_payment_method" in settings:
            method_id = settings["default_payment_method"] or None
            if method_id:
                method = self.get(
                    "payment_method", method_id, "invoice_settings[default_payment_method]"
                )
                if method["customer"] != customer_id:
                    raise StripeError(
                        400,
                        f"The customer does not have a payment method with the ID {method_id}. "
                        "The payment method must be attached to the customer.",
                        param="invoice_settings[default_payment_method]",
                    )
            customer["invoice_settings"]["default_payment_method"] = method_id
        self.emit("customer.updated", public(customer))
        return customer

    def attach_payment_method(self, test_id: str, customer_id: str) -> dict[str, Any]:
        """Attach a test payment method (`pm_card_visa`, `pm_card_chargeDeclined` …) as a new one."""
        self.get("customer", customer_id, "customer")
        if test_id in self.objects["payment_method"]:
            method = self.objects["payment_method"][test_id]
            method["customer"] = customer_id
        elif test_id in TEST_CARDS:
            brand, last4, _ = TEST_CARDS[test_id]
            method = self._keep(
                "payment_method",
                {
                    "id": new_id("pm"),
                    "object": "payment_method",
                    "created": int(time.time()),
                    "type": "card",
                    "card": {"brand": brand, "last4": last4, "exp_month": 12, "exp_year": 2034},
                    "customer": customer_id,
                    "livemode": False,
                    "_test": test_id,
                },
            )
        else:
            raise StripeError(
                404, f"No such PaymentMethod: '{test_id}'", code="resource_missing", param="id"
            )
        self.emit("payment_method.attached", public(method))
        return method

    def payment_methods(self, customer_id: str) -> list[dict[str, Any]]:
        self.get("customer", customer_id, "customer")
        return [m for m in self.objects["payment_method"].values() if m["customer"] == customer_id]

    # --- Checkout in setup mode ---------------------------------------------------------------

    def create_checkout_session(self, params: dict[str, Any], base_url: str) -> dict[str, Any]:
        mode = required(params, "mode")
        if mode != "setup":
            raise StripeError(
                400, "This local server supports Checkout in setup mode only.", param="mode"
            )
        customer_id = required(params, "customer")
        self.get("customer", customer_id, "customer")
        session_id = new_id("cs_test")
        return self._keep(
            "checkout.session",
            {
                "id": session_id,
                "object": "checkout.session",
                "created": int(time.time()),
                "mode": "setup",
                "status": "open",
                "customer": customer_id,
                "currency": params.get("currency"),
                "success_url": required(params, "success_url"),
                "cancel_url": params.get("cancel_url"),
                "setup_intent": None,
                "metadata": metadata(params),
                "url": f"{base_url}/c/pay/{session_id}",
                "livemode": False,
            },
        )

    def complete_checkout(self, session_id: str, card_number: str) -> dict[str, Any]:
        """The customer typed a card on the hosted page: a SetupIntent succeeds, the card is saved."""
        session = self.get("checkout.session", session_id)
        if session["status"] != "open":
            raise StripeError(400, "This Checkout Session is no longer active.")
        test_id = TEST_NUMBERS.get(card_number.replace(" ", ""))
        if test_id is None:
            raise StripeError(
                402,
                "Your card number is incorrect.",
                type="card_error",
                code="incorrect_number",
            )
        method = self.attach_payment_method(test_id, session["customer"])
        intent = self._keep(
            "setup_intent",
            {
                "id": new_id("seti"),
                "object": "setup_intent",
                "created": int(time.time()),
                "status": "succeeded",
                "customer": session["customer"],
                "payment_method": method["id"],
                "usage": "off_session",
                "livemode": False,
            },
        )
        self.emit("setup_intent.succeeded", public(intent))
        session["status"] = "complete"
        session["setup_intent"] = intent["id"]
        self.emit("checkout.session.completed", public(session))
        return session
