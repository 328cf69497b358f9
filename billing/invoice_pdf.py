"""Invoices and credit notes as PDF qualified documents (適格請求書, 適格返還請求書), by reportlab.

The Japanese text uses reportlab's built-in CID font HeiseiKakuGo-W5: the PDF names the font and
the reader supplies it, so no font file is shipped or embedded.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask_babel import gettext
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from billing import labels, overdue
from billing.models import CreditNote, Invoice
from tenants.i18n import format_yen
from tenants.models import Shop

FONT = "HeiseiKakuGo-W5"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


@dataclass(frozen=True)
class Document:
    """What a qualified document prints, already worded."""

    title: str
    recipient: str
    facts: list[str]  # number, dates (right column, under the title)
    issuer: list[str]  # name, address, registration number
    headline: str
    terms: list[str]  # when and how it is paid (under the headline)
    rows: list[tuple[str, str, str, str]]  # item, quantity, tax rate, amount before tax
    per_rate: list[tuple[str, str]]  # label, amount: the total of each rate, then its tax
    total: tuple[str, str]


REDUCED_RATES = labels.REDUCED_RATES


def _rate(rate: int) -> str:
    return f"{rate}%※" if rate in REDUCED_RATES else f"{rate}%"


def _issuer(name: str, address: str, registration: str) -> list[str]:
    return [name, address, gettext("Registration number: %(number)s", number=registration)]


def invoice_document(invoice: Invoice, shop: Shop) -> Document:
    """The shop's invoice (the shop's days with us bound its transaction span)."""
    per_rate: list[tuple[str, str]] = []
    for tax in invoice.taxes:
        per_rate.append((labels.subject_to(tax.rate_percent), format_yen(tax.taxable)))
        per_rate.append((labels.consumption_tax(tax.rate_percent), format_yen(tax.tax)))
    return Document(
        title=gettext("Invoice (qualified invoice)"),
        recipient=gettext("%(name)s (customer)", name=invoice.recipient_name),
        facts=[
            gettext("Invoice number: %(number)s", number=invoice.number),
            gettext("Issued: %(day)s", day=labels.day(invoice.issued_on)),
            gettext("Transactions: %(span)s", span=labels.transaction_span(invoice, shop)),
        ],
        issuer=_issuer(
            invoice.issuer_name, invoice.issuer_address, invoice.issuer_registration_number
        ),
        headline=gettext("Amount due: %(amount)s", amount=format_yen(invoice.total)),
        terms=payment_terms(invoice),
        rows=[
            (
                labels.item_label(line),
                labels.quantity(line),
                _rate(line.tax_rate_percent),
                format_yen(line.amount),
            )
            for line in invoice.lines
        ],
        per_rate=per_rate,
        total=(gettext("Total (tax included)"), format_yen(invoice.total)),
    )


def payment_terms(invoice: Invoice) -> list[str]:
    """The due date and the payment method, as the collection and the overdue rule have them.

    The billing run charges the saved card through Stripe as soon as it issues the invoice
    (`collection.collect_invoice`); one still unpaid 30 days after its issue is overdue, so its due
    date is the day before (`overdue.due_on`).
    """
    return [
        gettext("Payment due: %(day)s", day=labels.day(overdue.due_on(invoice.issued_on))),
        gettext("Payment method: your registered credit card (charged on the issue date)"),
    ]


def credit_document(note: CreditNote, invoice: Invoice, shop: Shop) -> Document:
    """The credit note; per tax rate, what is returned and the tax returned on it."""
    rates = [(r.rate_percent, r.amount, r.tax) for r in note.rates] or [
        (note.tax_rate_percent, note.amount, note.tax)
    ]
    title = (
        gettext("Credit note (qualified return invoice)")
        if note.is_return_invoice
        else gettext("Credit note")
    )
    per_rate: list[tuple[str, str]] = []
    for rate, amount, tax in rates:
        per_rate.append((gettext("Returned, subject to %(rate)d%%", rate=rate), format_yen(amount)))
        per_rate.append(
            (gettext("Consumption tax returned (%(rate)d%%)", rate=rate), format_yen(tax))
        )
    return Document(
        title=title,
        recipient=gettext("%(name)s (customer)", name=invoice.recipient_name),
        facts=[
            gettext("Credit note number: %(number)s", number=note.number),
            gettext("Issued: %(day)s", day=labels.day(note.issued_on)),
            gettext(
                "For invoice %(number)s, transactions %(span)s",
                number=invoice.number,
                span=labels.transaction_span(invoice, shop),
            ),
        ],
        issuer=_issuer(
            invoice.issuer_name, invoice.issuer_address, invoice.issuer_registration_number
        ),
        headline=gettext("Amount returned: %(amount)s", amount=format_yen(note.total)),
        terms=[],
        rows=[(note.reason, "", _rate(rate), format_yen(amount)) for rate, amount, _ in rates],
        per_rate=per_rate,
        total=(gettext("Total returned (tax included)"), format_yen(note.total)),
    )


def render_pdf(document: Document, author: str) -> bytes:
    """One A4 page: title, recipient, facts and issuer, the headline, items, per-rate totals."""
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=A4, pageCompression=0)
    pdf.setTitle(document.title)
    pdf.setAuthor(author)
    width, height = A4
    left, right = 20 * mm, width - 20 * mm
    y = height - 25 * mm

    def text(
        x: float, value: str, size: float = 10, align: str = "left", room: float | None = None
    ) -> None:
        """`value` at `x`; smaller if it would take more than `room`, never into the next column."""
        natural = pdfmetrics.stringWidth(value, FONT, size)
        if room is not None and natural > room:
            size = max(size * room / natural, 5)
        pdf.setFont(FONT, size)
        if align == "right":
            pdf.drawRightString(x, y, value)
        else:
            pdf.drawString(x, y, value)

    text(left, document.title, 18)
    y -= 12 * mm
    text(left, document.recipient, 13)
    for line in [*document.facts, "", *document.issuer]:
        text(right, line, 9, "right")
        y -= 5 * mm
    y -= 4 * mm
    text(left, document.headline, 14)
    y -= 7 * mm
    for line in document.terms:
        text(left, line, 10)
        y -= 5 * mm
    y -= 5 * mm
    # Item, quantity (a number's rent names its days: 「6日（11月25日〜11月30日）」), tax rate, and
    # the amount, right-aligned: each cell has the room up to the next column, less a gap.
    columns = (left, left + 80 * mm, left + 130 * mm, right)
    rooms = (77 * mm, 47 * mm, 12 * mm, 28 * mm)
    aligns = ("left", "left", "left", "right")
    headings = (
        gettext("Item"),
        gettext("Quantity"),
        gettext("Tax rate"),
        gettext("Amount (excl. tax)"),
    )
    for x, title, align, room in zip(columns, headings, aligns, rooms, strict=True):
        text(x, title, 9, align, room)
    y -= 2 * mm
    pdf.line(left, y, right, y)
    y -= 5 * mm
    for row in document.rows:
        for x, value, align, room in zip(columns, row, aligns, rooms, strict=True):
            text(x, value, 9, align, room)
        y -= 6 * mm
    pdf.line(left, y + 3 * mm, right, y + 3 * mm)
    y -= 3 * mm
    for label, amount in document.per_rate:
        text(columns[1], label, 9, room=columns[3] - columns[1] - rooms[3])
        text(columns[3], amount, 9, "right", rooms[3])
        y -= 5 * mm
    text(columns[1], document.total[0], 11, room=columns[3] - columns[1] - rooms[3])
    text(columns[3], document.total[1], 11, "right", rooms[3])
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def invoice_pdf(invoice: Invoice, shop: Shop) -> bytes:
    return render_pdf(invoice_document(invoice, shop), invoice.issuer_name)


def credit_note_pdf(note: CreditNote, invoice: Invoice, shop: Shop) -> bytes:
    return render_pdf(credit_document(note, invoice, shop), invoice.issuer_name)
