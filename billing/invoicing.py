"""An invoice's items and totals: integer yen, consumption tax once per invoice per rate, rounded down.

A qualified invoice (適格請求書) states, per tax rate, the total of the items at that rate and the
tax on that total. The tax is computed on the total of each rate and rounded down once; rounding
item by item is not allowed (and would over- or under-charge by up to a yen per item).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from billing.pricing import MonthlyAmount
from tenants.coverage.services import PRICE_BANDS

#: Kinds of invoice items, in the order they are printed.
LINE_KINDS = (*PRICE_BANDS, "minimum", "phone", "fax")


@dataclass(frozen=True)
class Item:
    kind: str
    quantity: int  # minutes for a price band, days otherwise
    amount: int  # yen before tax
    tax_rate_percent: int
    number: str | None = None  # a rental's number (E.164) and its days this month
    first_day: date | None = None
    last_day: date | None = None


@dataclass(frozen=True)
class RateTotal:
    rate_percent: int
    taxable: int
    tax: int


@dataclass(frozen=True)
class Totals:
    by_rate: list[RateTotal]  # highest rate first
    subtotal: int
    tax: int
    total: int


def items_of(amount: MonthlyAmount, tax_rate_percent: int) -> list[Item]:
    """The month's amount as invoice items: each band used, the minimum's top-up, each number."""
    items = [
        Item(band, amount.minutes[band], amount.band_yen[band], tax_rate_percent)
        for band in PRICE_BANDS
        if amount.minutes[band] or amount.band_yen[band]
    ]
    top_up = amount.coverage_yen - sum(amount.band_yen.values())
    if top_up > 0:
        items.append(Item("minimum", amount.active_days, top_up, tax_rate_percent))
    items.extend(
        Item(
            charge.kind,
            charge.days,
            charge.yen,
            tax_rate_percent,
            charge.number or None,
            charge.first_day,
            charge.last_day,
        )
        for charge in amount.rental_yen
        if charge.days
    )
    return items


def totals(items: Iterable[Item]) -> Totals:
    """Per rate: the items' total and its tax rounded down once; then the invoice's sums."""
    taxable: dict[int, int] = {}
    for item in items:
        taxable[item.tax_rate_percent] = taxable.get(item.tax_rate_percent, 0) + item.amount
    by_rate = [
        RateTotal(rate, base, base * rate // 100)
        for rate, base in sorted(taxable.items(), reverse=True)
    ]
    subtotal = sum(r.taxable for r in by_rate)
    tax = sum(r.tax for r in by_rate)
    return Totals(by_rate, subtotal, tax, subtotal + tax)
