"""The monthly billing run: one invoice per shop that was active in the month, billed in arrears.

Each shop is invoiced in its own transaction, so a shop that fails is counted and the run goes on,
and a run stopped half-way keeps the invoices it committed. `(shop_id, period)` is unique: running
again skips invoiced shops (and a second run racing the first loses on the constraint, harmlessly).
"""

from __future__ import annotations

import calendar
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from billing import services
from billing.invoicing import Item, totals
from billing.models import Invoice, InvoiceLine, InvoiceTax, RateCard
from billing.pricing import next_month
from tenants.coverage.services import TOKYO
from tenants.db import db, new_id
from tenants.models import Shop
from tenants.signup.models import ShopProfile

log = logging.getLogger(__name__)

PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        """`YYYY-MM`; ValueError with a message a person can act on otherwise."""
        found = PERIOD.match(text.strip())
        if not found:
            raise ValueError(f"{text!r} is not a month: write it as YYYY-MM, e.g. 2026-10")
        year, month = int(found.group(1)), int(found.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"{text!r}: the month must be 01 to 12")
        if not 2000 <= year <= 2200:
            raise ValueError(f"{text!r}: the year must be 2000 to 2200")
        return cls(year, month)

    @classmethod
    def before(cls, day: date) -> Period:
        """The month before the one `day` falls in."""
        return cls(day.year - 1, 12) if day.month == 1 else cls(day.year, day.month - 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def starts_at(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=TOKYO)

    def ends_at(self) -> datetime:
        year, month = next_month(self.year, self.month)
        return datetime(year, month, 1, tzinfo=TOKYO)


class NoIssuer(LookupError):
    """No rate card is in force, so the invoice would have no issuer or registration number."""


@dataclass
class RunSummary:
    period: Period
    already_invoiced: int = 0
    created: int = 0
    total_yen: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (shop slug, error)
    invoice_ids: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)


def issuer_on(day: date) -> RateCard:
    """The rate card in force on `day`: its issuer details go on the invoice."""
    card = db.session.scalar(
        select(RateCard)
        .where(RateCard.effective_from <= day)
        .order_by(RateCard.effective_from.desc())
        .limit(1)
    )
    if card is None:
        raise NoIssuer(
            "No rate card is in force, so an invoice would have no issuer or registration "
            "number: an admin adds one at /staff/rate-cards."
        )
    return card


def billable(period: Period) -> tuple[list[uuid.UUID], int]:
    """Shops active at some time in the month without its invoice yet, and how many have one."""
    active = (
        Shop.status != "pending",
        Shop.created_at < period.ends_at(),
        (Shop.closed_at.is_(None)) | (Shop.closed_at >= period.starts_at()),
    )
    invoiced = exists().where(Invoice.shop_id == Shop.id, Invoice.period == str(period))
    due = list(db.session.scalars(select(Shop.id).where(*active, ~invoiced).order_by(Shop.id)))
    done = len(db.session.scalars(select(Shop.id).where(*active, invoiced)).all())
    return due, done


def invoice_shop(shop: Shop, period: Period, issued_on: date) -> Invoice:
    """Write the shop's invoice for the month (the caller commits); its items, totals and taxes."""
    bill = services.month_bill(shop, period.year, period.month)
    return write_invoice(shop, period, issued_on, bill.items)


def write_invoice(shop: Shop, period: Period, issued_on: date, items: list[Item]) -> Invoice:
    """The shop's invoice of these items, each at its own tax rate: totals and tax per rate."""
    card = issuer_on(issued_on)
    sums = totals(items)
    profile = db.session.scalar(select(ShopProfile).where(ShopProfile.shop_id == shop.id))
    invoice = Invoice(
        shop_id=shop.id,
        id=new_id(),
        period=str(period),
        number=f"{period.year:04d}{period.month:02d}-{shop.slug}",
        status="open",
        payment_attempts=0,
        issued_on=issued_on,
        subtotal=sums.subtotal,
        tax=sums.tax,
        total=sums.total,
        issuer_name=card.issuer_name,
        issuer_registration_number=card.issuer_registration_number,
        issuer_address=card.issuer_address,
        recipient_name=profile.legal_name if profile else shop.name,
        recipient_registration_number=profile.registration_number if profile else None,
    )
    invoice.lines = [
        InvoiceLine(
            shop_id=shop.id,
            id=new_id(),
            position=position,
            kind=item.kind,
            quantity=item.quantity,
            amount=item.amount,
            tax_rate_percent=item.tax_rate_percent,
            number=item.number,
            first_day=item.first_day,
            last_day=item.last_day,
        )
        for position, item in enumerate(items)
    ]
    invoice.taxes = [
        InvoiceTax(
            shop_id=shop.id, id=new_id(), rate_percent=r.rate_percent, taxable=r.taxable, tax=r.tax
        )
        for r in sums.by_rate
    ]
    db.session.add(invoice)
    return invoice


def bill_period(
    period: Period,
    issued_on: date,
    *,
    progress: Callable[
        [list[uuid.UUID]], AbstractContextManager[Iterable[uuid.UUID]]
    ] = nullcontext,
    after_invoice: Callable[[Invoice], None] | None = None,
) -> RunSummary:
    """Invoice every shop due for the month, each in its own transaction (committed here).

    The session must be in the system scope. `after_invoice` runs inside each shop's transaction
    (collection through Stripe is enqueued there, to start once the invoice is committed).
    """
    issuer_on(issued_on)  # refuse the whole run up front rather than fail every shop
    due, summary = billable(period), RunSummary(period)
    shop_ids, summary.already_invoiced = due
    db.session.commit()
    with progress(shop_ids) as bar:
        for shop_id in bar:
            _bill_one(shop_id, period, issued_on, summary, after_invoice)
    return summary


def _bill_one(
    shop_id: uuid.UUID,
    period: Period,
    issued_on: date,
    summary: RunSummary,
    after_invoice: Callable[[Invoice], None] | None,
) -> None:
    try:
        shop = db.session.get_one(Shop, shop_id)
        invoice = invoice_shop(shop, period, issued_on)
        if after_invoice is not None:
            after_invoice(invoice)
        total, invoice_id = invoice.total, invoice.id
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another run invoiced it in the meantime
        summary.already_invoiced += 1
    except Exception as exc:
        db.session.rollback()
        log.exception("billing %s failed for shop %s", period, shop_id)
        slug = db.session.scalar(select(Shop.slug).where(Shop.id == shop_id))
        summary.failed.append((slug or str(shop_id), f"{type(exc).__name__}: {exc}"))
    else:
        summary.created += 1
        summary.total_yen += total
        summary.invoice_ids.append((shop_id, invoice_id))
