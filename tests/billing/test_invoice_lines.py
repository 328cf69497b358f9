"""A number's rent on the invoice names the number and the days it was rented that month, on the
invoice page, its PDF and the items sent to Stripe; lines issued before numbers were named read as
they always did."""

from __future__ import annotations

import calendar
import io
from collections import defaultdict
from datetime import datetime
from itertools import pairwise
from typing import Any

from flask import Flask
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics
from sqlalchemy import select, update

from billing import collection
from billing.invoice_pdf import FONT
from billing.invoicing import Item
from billing.models import Invoice
from billing.runs import invoice_shop, write_invoice
from tenants.coverage.services import TOKYO
from tenants.models import Shop
from tenants.numbers import services as numbers
from tenants.numbers.models import NumberRental
from tests.billing.support import add_rate_card, last_month, old_shop
from tests.conftest import log_in, system
from tests.factories import PASSWORD


def overlaps(pdf: bytes) -> list[tuple[str, str]]:
    """Pairs of texts the PDF prints on one line where the first runs into the second."""
    printed: dict[float, list[tuple[float, float, str]]] = defaultdict(list)

    def seen(text: str, _cm: Any, tm: list[float], _font: Any, size: float) -> None:
        if text.strip():
            width = pdfmetrics.stringWidth(text.strip(), FONT, size * tm[0])
            printed[round(tm[5], 1)].append((tm[4], tm[4] + width, text.strip()))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=seen)
    return [
        (first, second)
        for line in printed.values()
        for (_, end, first), (start, _, second) in pairwise(sorted(line))
        if end + 2 > start  # less than 2 pt apart
    ]


def test_a_number_rented_mid_month_is_named_with_its_days(app: Flask) -> None:
    add_rate_card(app)
    alpha = old_shop(app, "alpha")
    period = last_month()
    last = calendar.monthrange(period.year, period.month)[1]
    with system(app) as session:
        shop = session.scalars(select(Shop).where(Shop.slug == "alpha")).one()
        number = numbers.add_to_pool("03-4500-0001", kind="phone")
        session.flush()
        numbers.rent(shop, number.id, actor=None, ip=None)
        session.execute(
            update(NumberRental).values(
                started_at=datetime(period.year, period.month, last - 6, 10, tzinfo=TOKYO)
            )
        )
        session.flush()
        invoice_id = invoice_shop(shop, period, period.ends_at().date()).id
    owner = app.test_client()
    log_in(owner, alpha["email"], PASSWORD)
    days = f"7日（{period.month}月{last - 6}日〜{period.month}月{last}日）"

    page = owner.get(f"/shops/alpha/billing/invoices/{invoice_id}").get_data(as_text=True)
    assert "電話番号利用料 03-4500-0001" in page
    assert days in page
    pdf = owner.get(f"/shops/alpha/billing/invoices/{invoice_id}/pdf")
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "電話番号利用料 03-4500-0001" in text
    assert days in text
    assert overlaps(pdf.data) == []  # the days once ran into the tax rate beside them
    with system(app) as session:
        invoice = session.scalars(select(Invoice).where(Invoice.id == invoice_id)).one()
        described = [name for name, _ in collection.stripe_items(invoice)]
    assert f"電話番号利用料 03-4500-0001 {days}" in described


def test_a_line_without_a_number_reads_as_before(app: Flask) -> None:
    add_rate_card(app)
    alpha = old_shop(app, "alpha")
    with system(app) as session:
        shop = session.scalars(select(Shop).where(Shop.slug == "alpha")).one()
        invoice_id = write_invoice(
            shop, last_month(), last_month().ends_at().date(), [Item("fax", 7, 233, 10)]
        ).id
    owner = app.test_client()
    log_in(owner, alpha["email"], PASSWORD)
    page = owner.get(f"/shops/alpha/billing/invoices/{invoice_id}").get_data(as_text=True)
    assert '<td class="item">FAX番号利用料</td><td>7日</td>' in page
