"""Billing's part of a shop's export: the invoices and credit notes, as a CSV and as their PDFs."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select

from billing import credit_notes
from billing.invoice_pdf import credit_note_pdf, invoice_pdf
from billing.models import Invoice
from tenants.db import db
from tenants.models import Shop


def add_billing_files(sender: Any, *, shop: Shop, files: dict[str, bytes], **_: Any) -> None:
    invoices = list(
        db.session.scalars(
            select(Invoice).where(Invoice.shop_id == shop.id).order_by(Invoice.period)
        )
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["number", "period", "issued_on", "subtotal", "tax", "total", "status", "paid_at"]
    )
    for invoice in invoices:
        writer.writerow(
            [
                invoice.number,
                invoice.period,
                invoice.issued_on.isoformat(),
                invoice.subtotal,
                invoice.tax,
                invoice.total,
                invoice.status,
                invoice.paid_at.isoformat() if invoice.paid_at else "",
            ]
        )
        files[f"invoices/{invoice.number}.pdf"] = invoice_pdf(invoice, shop)
    files["invoices.csv"] = ("\ufeff" + out.getvalue()).encode()  # BOM: Excel reads UTF-8
    by_id = {invoice.id: invoice for invoice in invoices}
    for note in credit_notes.notes_of(shop.id):
        files[f"credit_notes/{note.number}.pdf"] = credit_note_pdf(
            note, by_id[note.invoice_id], shop
        )
