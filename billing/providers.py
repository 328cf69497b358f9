"""Stripe, behind a Protocol: what billing asks of a payment provider, and the real adapter.

The adapter uses the real `stripe` library (pinned with its API version). Tests and the demo point it
at the local server in `billing.stripe_local` with `STRIPE_API_BASE`; production leaves that unset.
Every write carries an idempotency key the caller derives from what it is doing
(`{shop}:{period}:{step}`), so a job that dies half-way and runs again creates nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import stripe
from flask import Flask, current_app

from billing.stripe_api import API_VERSION
from tenants.config import settings_from


@dataclass(frozen=True)
class RemoteInvoice:
    id: str
    status: str  # draft, open, paid, uncollectible, void
    total: int
    amount_paid: int
    attempt_count: int
    metadata: dict[str, str]


@dataclass(frozen=True)
class SavedCard:
    payment_method_id: str
    brand: str
    last4: str


class PaymentDeclined(Exception):
    """The card was charged and refused (Stripe's card_error)."""


class PortalUnavailable(Exception):
    """Stripe would not open a customer portal session (e.g. the portal settings were never saved)."""


class PaymentProvider(Protocol):
    def create_customer(self, *, name: str, email: str, shop_id: str, key: str) -> str: ...

    def setup_checkout_url(
        self, *, customer_id: str, success_url: str, cancel_url: str, shop_id: str
    ) -> str: ...

    def card_from_checkout(self, session_id: str) -> tuple[str, SavedCard] | None:
        """The customer and the card a completed setup session saved; None if not complete."""
        ...

    def make_default_card(self, *, customer_id: str, payment_method_id: str, key: str) -> None: ...

    def portal_url(self, *, customer_id: str, return_url: str, locale: str) -> str:
        """A customer portal session's URL, where the customer changes their payment method."""
        ...

    def default_card(self, customer_id: str) -> tuple[str, SavedCard | None]:
        """The customer's `metadata.shop_id` and the card invoices are charged to (None if none)."""
        ...

    def create_invoice(
        self,
        *,
        customer_id: str,
        items: Sequence[tuple[str, int]],
        metadata: dict[str, str],
        key: str,
    ) -> RemoteInvoice:
        """A draft with the items (each keyed `key:item:N`), finalised (`key:finalize`)."""
        ...

    def pay_invoice(self, invoice_id: str, *, key: str) -> RemoteInvoice: ...

    def get_invoice(self, invoice_id: str) -> RemoteInvoice: ...

    def create_credit_note(
        self, invoice_id: str, *, amount: int, memo: str, to_balance: bool, key: str
    ) -> str: ...

    def get_event(self, event_id: str) -> dict[str, Any]: ...

    def events_since(self, created_after: int, types: Sequence[str]) -> Iterator[dict[str, Any]]:
        """Every event of these types created after the time, oldest first."""
        ...


class StripeProvider:
    """The real thing, through the `stripe` library's client."""

    def __init__(self, secret_key: str, api_base: str | None = None) -> None:
        self.http = stripe.RequestsClient(timeout=30)
        self.client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else {},
            stripe_version=API_VERSION,
            max_network_retries=2,
            http_client=self.http,
        )

    def close(self) -> None:
        """Close the pooled connections (when the configuration changes)."""
        self.http.close()  # type: ignore[no-untyped-call]

    def create_customer(self, *, name: str, email: str, shop_id: str, key: str) -> str:
        params: dict[str, Any] = {"name": name, "metadata": {"shop_id": shop_id}}
        if email:  # an empty string would ask Stripe to unset the field
            params["email"] = email
        customer = self.client.v1.customers.create(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": key},
        )
        return str(customer.id)

    def setup_checkout_url(
        self, *, customer_id: str, success_url: str, cancel_url: str, shop_id: str
    ) -> str:
        session = self.client.v1.checkout.sessions.create(
            params={
                "mode": "setup",
                "customer": customer_id,
                "currency": "jpy",
                "success_url": success_url,
                "cancel_url": cancel_url,
                "metadata": {"shop_id": shop_id},
            }
        )
        return str(session.url)

    def card_from_checkout(self, session_id: str) -> tuple[str, SavedCard] | None:
        session = self.client.v1.checkout.sessions.retrieve(session_id)
        if session.status != "complete" or not session.setup_intent:
            return None
        intent = self.client.v1.setup_intents.retrieve(str(session.setup_intent))
        method = self.client.v1.payment_methods.retrieve(str(intent.payment_method))
        card = method.card
        return str(session.customer), SavedCard(
            str(method.id), str(card.brand) if card else "", str(card.last4) if card else ""
        )

    def make_default_card(self, *, customer_id: str, payment_method_id: str, key: str) -> None:
        self.client.v1.customers.update(
            customer_id,
            params={"invoice_settings": {"default_payment_method": payment_method_id}},
            options={"idempotency_key": key},
        )

    def portal_url(self, *, customer_id: str, return_url: str, locale: str) -> str:
        try:
            session = self.client.v1.billing_portal.sessions.create(
                params={"customer": customer_id, "return_url": return_url, "locale": locale}
            )
        except stripe.InvalidRequestError as error:
            raise PortalUnavailable(str(error.user_message or error)) from error
        return str(session.url)

    def default_card(self, customer_id: str) -> tuple[str, SavedCard | None]:
        customer = self.client.v1.customers.retrieve(customer_id)
        meta: Any = customer.metadata
        shop_id = str(
            (meta.to_dict() if hasattr(meta, "to_dict") else dict(meta or {})).get("shop_id", "")
        )
        settings = customer.invoice_settings
        method_id = settings.default_payment_method if settings else None
        if not method_id:
            return shop_id, None
        method = self.client.v1.payment_methods.retrieve(str(method_id))
        card = method.card
        return shop_id, SavedCard(
            str(method.id), str(card.brand) if card else "", str(card.last4) if card else ""
        )

    def create_invoice(
        self,
        *,
        customer_id: str,
        items: Sequence[tuple[str, int]],
        metadata: dict[str, str],
        key: str,
    ) -> RemoteInvoice:
        draft = self.client.v1.invoices.create(
            params={
                "customer": customer_id,
                "currency": "jpy",
                "collection_method": "charge_automatically",
                "auto_advance": False,
                "metadata": metadata,
            },
            options={"idempotency_key": f"{key}:create"},
        )
        invoice_id = str(draft.id)
        if draft.status == "draft":
            for position, (description, amount) in enumerate(items):
                self.client.v1.invoice_items.create(
                    params={
                        "customer": customer_id,
                        "invoice": invoice_id,
                        "amount": amount,
                        "currency": "jpy",
                        "description": description,
                    },
                    options={"idempotency_key": f"{key}:item:{position}"},
                )
            finalized = self.client.v1.invoices.finalize_invoice(
                invoice_id, options={"idempotency_key": f"{key}:finalize"}
            )
            return _remote(finalized)
        return self.get_invoice(invoice_id)

    def pay_invoice(self, invoice_id: str, *, key: str) -> RemoteInvoice:
        try:
            return _remote(
                self.client.v1.invoices.pay(invoice_id, options={"idempotency_key": key})
            )
        except stripe.CardError as error:
            raise PaymentDeclined(str(error.user_message or error.code)) from error

    def get_invoice(self, invoice_id: str) -> RemoteInvoice:
        return _remote(self.client.v1.invoices.retrieve(invoice_id))

    def create_credit_note(
        self, invoice_id: str, *, amount: int, memo: str, to_balance: bool, key: str
    ) -> str:
        """Credit `amount` (tax included); on a paid invoice it goes to the customer's balance."""
        params: dict[str, Any] = {"invoice": invoice_id, "amount": amount, "memo": memo}
        if to_balance:
            params["credit_amount"] = amount
        note = self.client.v1.credit_notes.create(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": key},
        )
        return str(note.id)

    def get_event(self, event_id: str) -> dict[str, Any]:
        return dict(self.client.v1.events.retrieve(event_id).to_dict())

    def events_since(self, created_after: int, types: Sequence[str]) -> Iterator[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            params: dict[str, Any] = {
                "limit": 100,
                "created": {"gt": created_after},
                "types": list(types),
            }
            if after:
                params["starting_after"] = after
            page = self.client.v1.events.list(params=params)  # type: ignore[arg-type]
            found.extend(e.to_dict() for e in page.data if e.type in types)
            if not page.has_more or not page.data:
                break
            after = page.data[-1].id
        yield from reversed(found)  # the list is newest first


def _remote(invoice: stripe.Invoice) -> RemoteInvoice:
    meta: Any = invoice.metadata
    raw: dict[str, Any] = meta.to_dict() if hasattr(meta, "to_dict") else dict(meta or {})
    return RemoteInvoice(
        id=str(invoice.id),
        status=str(invoice.status),
        total=int(invoice.total),
        amount_paid=int(invoice.amount_paid),
        attempt_count=int(invoice.attempt_count),
        metadata={str(k): str(v) for k, v in raw.items()},
    )


def provider(app: Flask | None = None) -> PaymentProvider | None:
    """The configured provider, or None when STRIPE_SECRET_KEY is unset (invoices stay open)."""
    settings = settings_from((app or current_app).config)
    if not settings.stripe_secret_key:
        return None
    where = (settings.stripe_secret_key, settings.stripe_api_base)
    current = _CURRENT.get(where)
    if current is None:  # one client and connection pool, replaced when the configuration changes
        for previous in _CURRENT.values():
            previous.close()
        _CURRENT.clear()
        current = _CURRENT[where] = StripeProvider(*where)
    return current


_CURRENT: dict[tuple[str, str | None], StripeProvider] = {}
