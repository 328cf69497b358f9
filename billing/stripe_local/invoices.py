"""Invoices and credit notes of the local Stripe server: draft → open → paid, void or uncollectible."""

from __future__ import annotations

import time
from typing import Any

from billing.stripe_local.base import (
    Objects,
    StripeError,
    integer,
    metadata,
    new_id,
    public,
    required,
)
from billing.stripe_local.cards import TEST_CARDS


class InvoiceObjects(Objects):
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
