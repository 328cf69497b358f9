"""An invoice as a PDF qualified invoice (適格請求書), drawn with reportlab.

The Japanese text uses reportlab's built-in CID font HeiseiKakuGo-W5: the PDF names the font and
the reader supplies it, so no font file is shipped or embedded.
"""

from __future__ import annotations

import io

from flask_babel import gettext
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from billing import labels
from billing.models import Invoice
from tenants.i18n import format_yen

FONT = "HeiseiKakuGo-W5"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice on one A4 page: issuer and registration number, date, items, totals, recipient."""
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=A4, pageCompression=0)
    pdf.setTitle(f"{gettext('Invoice')} {invoice.number}")
    pdf.setAuthor(invoice.issuer_name)
    width, height = A4
    left, right = 20 * mm, width - 20 * mm
    y = height - 25 * mm

    def text(x: float, value: str, size: float = 10, align: str = "left") -> None:
        pdf.setFont(FONT, size)
        if align == "right":
            pdf.drawRightString(x, y, value)
        else:
            pdf.drawString(x, y, value)

    text(left, gettext("Invoice (qualified invoice)"), 18)
    y -= 12 * mm
    text(left, gettext("%(name)s (customer)", name=invoice.recipient_name), 13)
    text(right, gettext("Invoice number: %(number)s", number=invoice.number), 9, "right")
    y -= 6 * mm
    text(right, gettext("Issued: %(day)s", day=labels.day(invoice.issued_on)), 9, "right")
    y -= 10 * mm
    for line in (
        invoice.issuer_name,
        invoice.issuer_address,
        gettext("Registration number: %(number)s", number=invoice.issuer_registration_number),
    ):
        text(right, line, 9, "right")
        y -= 5 * mm
    y -= 4 * mm
    text(left, gettext("Amount due: %(amount)s", amount=format_yen(invoice.total)), 14)
    y -= 7 * mm
    text(left, gettext("Transactions: %(span)s", span=labels.transaction_span(invoice)), 9)
    y -= 10 * mm
    columns = (left, left + 105 * mm, left + 135 * mm, right)
    for x, title, align in zip(
        columns,
        (gettext("Item"), gettext("Quantity"), gettext("Tax rate"), gettext("Amount (excl. tax)")),
        ("left", "left", "left", "right"),
        strict=True,
    ):
        text(x, title, 9, align)
    y -= 2 * mm
    pdf.line(left, y, right, y)
    y -= 5 * mm
    for item in invoice.lines:
        text(columns[0], labels.line_label(item.kind), 9)
        text(columns[1], labels.quantity(item), 9)
        text(columns[2], f"{item.tax_rate_percent}%", 9)
        text(columns[3], format_yen(item.amount), 9, "right")
        y -= 6 * mm
    pdf.line(left, y + 3 * mm, right, y + 3 * mm)
    y -= 3 * mm
    for tax in invoice.taxes:
        text(
            columns[1],
            gettext("Subject to %(rate)d%%", rate=tax.rate_percent),
            9,
        )
        text(columns[3], format_yen(tax.taxable), 9, "right")
        y -= 5 * mm
        text(columns[1], gettext("Consumption tax (%(rate)d%%)", rate=tax.rate_percent), 9)
        text(columns[3], format_yen(tax.tax), 9, "right")
        y -= 5 * mm
    text(columns[1], gettext("Total (tax included)"), 11)
    text(columns[3], format_yen(invoice.total), 11, "right")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
