"""The objects of the local Stripe server and what each endpoint does to them.

Shapes follow Stripe's API reference for the fields billing reads (ids with Stripe's prefixes, JPY
as a zero-decimal currency, invoices moving draft → open → paid, void or uncollectible); every
change records an event carrying a snapshot of the object, as Stripe's events do.
"""

from __future__ import annotations

import copy
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

#: Test payment methods Stripe documents, and what their cards do when charged.
TEST_CARDS = {
    "pm_card_visa": ("visa", "4242", None),
    "pm_card_mastercard": ("mastercard", "4444", None),
    "pm_card_chargeDeclined": ("visa", "0002", "generic_decline"),
    "pm_card_chargeDeclinedInsufficientFunds": ("visa", "9995", "insufficient_funds"),
}
#: Card numbers typed on the hosted Checkout page, and the test payment method each stands for.
TEST_NUMBERS = {
    "4242424242424242": "pm_card_visa",
    "5555555555554444": "pm_card_mastercard",
    "4000000000000002": "pm_card_chargeDeclined",
    "4000000000009995": "pm_card_chargeDeclinedInsufficientFunds",
}


class StripeError(Exception):
    """An error answered in Stripe's shape: `{"error": {"type", "message", "code", "param"}}`."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"type": type, "message": message}
        if code:
            self.body["code"] = code
        if param:
            self.body["param"] = param
        self.body.update(extra or {})


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def required(params: dict[str, Any], name: str) -> Any:
    if params.get(name) in (None, ""):
        raise StripeError(
            400, f"Missing required param: {name}.", code="parameter_missing", param=name
        )
    return params[name]


def integer(params: dict[str, Any], name: str, *, minimum: int = 0) -> int:
    raw = required(params, name)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise StripeError(
            400, f"Invalid integer: {raw}", code="parameter_invalid_integer", param=name
        ) from None
    if value < minimum:
        raise StripeError(
            400,
            f"This value must be greater than or equal to {minimum}.",
            code="parameter_invalid_integer",
            param=name,
        )
    return value


def metadata(params: dict[str, Any]) -> dict[str, str]:
    given = params.get("metadata") or {}
    if not isinstance(given, dict):
        raise StripeError(400, "Invalid object", param="metadata")
    return {str(k): str(v) for k, v in given.items()}


class Store:
    """Every object of one Stripe account, guarded by one lock; `on_event` hears each new event."""

    def __init__(self, api_version: str, on_event: Callable[[dict[str, Any]], None]) -> None:
        self.api_version = api_version
        self.on_event = on_event
        self.lock = threading.RLock()
        self.objects: dict[str, dict[str, dict[str, Any]]] = {
            kind: {}
            for kind in (
                "customer",
                "payment_method",
                "checkout.session",
                "setup_intent",
                "invoiceitem",
                "invoice",
                "credit_note",
            )
        }
        self.events: list[dict[str, Any]] = []
        self._invoice_numbers = 0
        self.request_id: str | None = None
        self.idempotency_key: str | None = None

    # --- events -----------------------------------------------------------------------------

    def emit(self, type_: str, obj: dict[str, Any]) -> dict[str, Any]:
        event = {
            "id": new_id("evt"),
            "object": "event",
            "api_version": self.api_version,
            "created": int(time.time()),
            "data": {"object": copy.deepcopy(obj)},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": self.request_id, "idempotency_key": self.idempotency_key},
            "type": type_,
        }
        self.events.append(event)
        self.on_event(event)
        return event

    def get(self, kind: str, object_id: str, param: str = "id") -> dict[str, Any]:
        found = self.objects[kind].get(object_id)
        if found is None:
            noun = kind.split(".")[-1].replace("_", " ")
            raise StripeError(
                404, f"No such {noun}: '{object_id}'", code="resource_missing", param=param
            )
        return found

    def listing(
        self, url: str, rows: list[dict[str, Any]], params: dict[str, Any]
    ) -> dict[str, Any]:
        """Newest first, cut by `starting_after` / `ending_before` and `limit` (1–100, default 10)."""
        rows = sorted(rows, key=lambda r: (r.get("created", 0), r["_seq"]), reverse=True)
        if params.get("starting_after"):
            ids = [r["id"] for r in rows]
            if params["starting_after"] not in ids:
                raise StripeError(400, "Invalid starting_after id", param="starting_after")
            rows = rows[ids.index(params["starting_after"]) + 1 :]
        if params.get("ending_before"):
            ids = [r["id"] for r in rows]
            if params["ending_before"] in ids:
                rows = rows[: ids.index(params["ending_before"])]
        limit = integer(params, "limit", minimum=1) if params.get("limit") else 10
        if limit > 100:
            raise StripeError(400, "This value must be less than or equal to 100.", param="limit")
        page = rows[:limit]
        return {
            "object": "list",
            "data": [public(r) for r in page],
            "has_more": len(rows) > limit,
            "url": url,
        }

    def _keep(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        obj["_seq"] = sum(len(v) for v in self.objects.values()) + len(self.events)
        self.objects[kind][obj["id"]] = obj
        return obj

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

    # --- invoices ------------------------------------------------------------------------------

    def create_invoice(self, params: dict[str, Any]) -> dict[str, Any]:
        customer_id = required(params, "customer")
        self.get("customer", customer_id, "customer")
        invoice = self._keep(
            "invoice",
            {
                "id": new_id("in"),
                "object": "invoice",
                "created": int(time.time()),
                "customer": customer_id,
                "currency": (params.get("currency") or "jpy").lower(),
                "collection_method": params.get("collection_method", "charge_automatically"),
                "auto_advance": params.get("auto_advance", "false") == "true",
                "description": params.get("description"),
                "metadata": metadata(params),
                "status": "draft",
                "number": None,
                "lines": {"object": "list", "data": [], "has_more": False},
                "subtotal": 0,
                "total": 0,
                "amount_due": 0,
                "amount_paid": 0,
                "amount_remaining": 0,
                "attempt_count": 0,
                "attempted": False,
                "default_payment_method": params.get("default_payment_method"),
                "last_finalization_error": None,
                "status_transitions": {
                    "finalized_at": None,
                    "paid_at": None,
                    "voided_at": None,
                    "marked_uncollectible_at": None,
                },
                "post_payment_credit_notes_amount": 0,
                "pre_payment_credit_notes_amount": 0,
                "livemode": False,
            },
        )
        self.emit("invoice.created", public(invoice))
        return invoice

    def create_invoice_item(self, params: dict[str, Any]) -> dict[str, Any]:
        customer_id = required(params, "customer")
        self.get("customer", customer_id, "customer")
        amount = integer(params, "amount", minimum=-99_999_999)
        currency = str(required(params, "currency")).lower()
        invoice = None
        if params.get("invoice"):
            invoice = self.get("invoice", params["invoice"], "invoice")
            if invoice["customer"] != customer_id:
                raise StripeError(400, "The invoice belongs to another customer.", param="invoice")
            if invoice["status"] != "draft":
                raise StripeError(
                    400,
                    f"You can only add invoice items to draft invoices; {invoice['id']} is "
                    f"{invoice['status']}.",
                    param="invoice",
                )
            if invoice["currency"] != currency:
                raise StripeError(400, "The currency must match the invoice's.", param="currency")
        item = self._keep(
            "invoiceitem",
            {
                "id": new_id("ii"),
                "object": "invoiceitem",
                "created": int(time.time()),
                "customer": customer_id,
                "amount": amount,
                "currency": currency,
                "description": params.get("description"),
                "invoice": invoice["id"] if invoice else None,
                "metadata": metadata(params),
                "quantity": 1,
                "livemode": False,
            },
        )
        if invoice is not None:
            invoice["lines"]["data"].append(
                {
                    "id": new_id("il"),
                    "object": "line_item",
                    "amount": amount,
                    "currency": currency,
                    "description": item["description"],
                    "invoice": invoice["id"],
                    "metadata": item["metadata"],
                    "quantity": 1,
                }
            )
            total = sum(line["amount"] for line in invoice["lines"]["data"])
            invoice.update(subtotal=total, total=total, amount_due=total, amount_remaining=total)
            self.emit("invoice.updated", public(invoice))
        self.emit("invoiceitem.created", public(item))
        return item

    def finalize_invoice(self, invoice_id: str) -> dict[str, Any]:
        invoice = self.get("invoice", invoice_id)
        if invoice["status"] != "draft":
            raise StripeError(
                400,
                "This invoice is already finalized, you can't re-finalize a non-draft invoice.",
                code="invoice_not_editable",
            )
        self._invoice_numbers += 1
        invoice["number"] = f"LOCAL-{self._invoice_numbers:04d}"
        invoice["status"] = "open"
        invoice["status_transitions"]["finalized_at"] = int(time.time())
        self.emit("invoice.finalized", public(invoice))
        if invoice["amount_due"] == 0:  # Stripe marks an invoice with nothing due paid at once
            self._mark_paid(invoice)
        return invoice

    def pay_invoice(self, invoice_id: str, params: dict[str, Any]) -> dict[str, Any]:
        invoice = self.get("invoice", invoice_id)
        if invoice["status"] == "paid":
            raise StripeError(400, "Invoice is already paid", code="invoice_already_paid")
        if invoice["status"] != "open":
            raise StripeError(
                400,
                f"You can only pay an invoice that is open; this one is {invoice['status']}.",
                code="invoice_not_open" if invoice["status"] == "draft" else None,
            )
        customer = self.get("customer", invoice["customer"])
        method_id = (
            params.get("payment_method")
            or invoice["default_payment_method"]
            or customer["invoice_settings"]["default_payment_method"]
        )
        if not method_id:
            raise StripeError(
                400,
                "This customer has no attached payment source or default payment method. "
                "Please consider adding a default payment method.",
            )
        method = self.get("payment_method", method_id, "payment_method")
        invoice["attempt_count"] += 1
        invoice["attempted"] = True
        decline = TEST_CARDS.get(method.get("_test", ""), (None, None, None))[2]
        if decline:
            self.emit("invoice.payment_failed", public(invoice))
            raise StripeError(
                402,
                "Your card was declined."
                if decline == "generic_decline"
                else "Your card has insufficient funds.",
                type="card_error",
                code="card_declined",
                extra={"decline_code": decline},
            )
        self._mark_paid(invoice)
        return invoice

    def _mark_paid(self, invoice: dict[str, Any]) -> None:
        invoice["status"] = "paid"
        invoice["amount_paid"] = invoice["amount_due"]
        invoice["amount_remaining"] = 0
        invoice["status_transitions"]["paid_at"] = int(time.time())
        self.emit("invoice.paid", public(invoice))
        self.emit("invoice.payment_succeeded", public(invoice))

    def void_invoice(self, invoice_id: str) -> dict[str, Any]:
        invoice = self.get("invoice", invoice_id)
        if invoice["status"] not in ("open", "uncollectible"):
            raise StripeError(
                400, f"You can only void an open or uncollectible invoice, not {invoice['status']}."
            )
        invoice["status"] = "void"
        invoice["status_transitions"]["voided_at"] = int(time.time())
        self.emit("invoice.voided", public(invoice))
        return invoice

    def mark_uncollectible(self, invoice_id: str) -> dict[str, Any]:
        invoice = self.get("invoice", invoice_id)
        if invoice["status"] != "open":
            raise StripeError(400, "You can only mark an open invoice as uncollectible.")
        invoice["status"] = "uncollectible"
        invoice["status_transitions"]["marked_uncollectible_at"] = int(time.time())
        self.emit("invoice.marked_uncollectible", public(invoice))
        return invoice

    # --- credit notes ---------------------------------------------------------------------------

    def create_credit_note(self, params: dict[str, Any]) -> dict[str, Any]:
        invoice = self.get("invoice", required(params, "invoice"), "invoice")
        if invoice["status"] not in ("open", "paid"):
            raise StripeError(
                400,
                "You can only create a credit note for an open or paid invoice.",
                param="invoice",
            )
        lines = params.get("lines") or []
        if lines:
            amount = sum(integer(line, "amount") if "amount" in line else 0 for line in lines)
        else:
            amount = integer(params, "amount", minimum=1)
        credited = (
            invoice["pre_payment_credit_notes_amount"] + invoice["post_payment_credit_notes_amount"]
        )
        if amount + credited > invoice["total"]:
            raise StripeError(
                400,
                "The sum of credit amount, refund amount and out of band amount "
                f"({amount}) must be less than or equal to the invoice's remaining amount "
                f"({invoice['total'] - credited}).",
                param="amount",
            )
        note = self._keep(
            "credit_note",
            {
                "id": new_id("cn"),
                "object": "credit_note",
                "created": int(time.time()),
                "amount": amount,
                "currency": invoice["currency"],
                "customer": invoice["customer"],
                "invoice": invoice["id"],
                "memo": params.get("memo"),
                "reason": params.get("reason"),
                "metadata": metadata(params),
                "number": f"{invoice['number']}-CN-{len(self.objects['credit_note']) + 1:02d}",
                "status": "issued",
                "type": "post_payment" if invoice["status"] == "paid" else "pre_payment",
                "livemode": False,
            },
        )
        if invoice["status"] == "paid":
            invoice["post_payment_credit_notes_amount"] += amount
        else:
            invoice["pre_payment_credit_notes_amount"] += amount
            invoice["amount_due"] -= amount
            invoice["amount_remaining"] -= amount
        self.emit("credit_note.created", public(note))
        return note


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as the API shows it (without the server's own bookkeeping)."""
    return {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}
