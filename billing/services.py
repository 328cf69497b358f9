"""Billing's reads: the rate card in force, and a shop's monthly amount from its coverage."""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from billing.invoicing import Item, Totals, items_of, totals
from billing.models import RateCard
from billing.pricing import (
    DEFAULT_RATES,
    MonthlyAmount,
    Rates,
    Rental,
    days_of,
    monthly_amount,
    next_month,
)
from tenants.coverage import services as coverage
from tenants.coverage.services import TOKYO, Coverage
from tenants.db import db
from tenants.models import Shop
from tenants.numbers import services as numbers


def _rates(card: RateCard) -> Rates:
    return Rates(
        card.weekday_day_yen_per_hour,
        card.weekday_night_yen_per_hour,
        card.weekend_holiday_yen_per_hour,
        card.phone_number_yen_per_month,
        card.fax_number_yen_per_month,
        card.monthly_minimum_yen,
        card.tax_rate_percent,
    )


def rates_lookup() -> Callable[[date], Rates]:
    """The rates in force on a day (the defaults of DESIGN.md before the first card)."""
    cards = list(db.session.scalars(select(RateCard).order_by(RateCard.effective_from)))
    starts = [c.effective_from for c in cards]
    parsed = [_rates(c) for c in cards]

    def on(day: date) -> Rates:
        index = bisect.bisect_right(starts, day) - 1
        return parsed[index] if index >= 0 else DEFAULT_RATES

    return on


def _rentals(shop_id: uuid.UUID) -> list[Rental]:
    return [
        Rental(
            r.number.kind,
            r.started_at.astimezone(TOKYO).date(),
            r.ended_at.astimezone(TOKYO).date() if r.ended_at else None,
            r.number.e164,
        )
        for r in numbers.rentals(shop_id, current_only=False)
    ]


def active_days(shop: Shop) -> tuple[date, date | None]:
    """The shop's first day with us and, once it closed, its last (Tokyo days, both charged)."""
    first = shop.created_at.astimezone(TOKYO).date()
    return first, shop.closed_at.astimezone(TOKYO).date() if shop.closed_at else None


def amount_for(
    shop: Shop,
    year: int,
    month: int,
    hours: Coverage | None = None,
    rates_on: Callable[[date], Rates] | None = None,
) -> MonthlyAmount:
    """The shop's amount for a month from its coverage (or `hours`, a draft) and number rentals."""
    active_from, active_until = active_days(shop)
    return monthly_amount(
        hours or coverage.coverage_for(shop.id),
        year,
        month,
        rates_on or rates_lookup(),
        active_from=active_from,
        active_until=active_until,
        rentals=_rentals(shop.id),
    )


def estimate(shop: Shop, hours: Coverage | None = None) -> list[MonthlyAmount]:
    """This month and next month, for the owner editing hours."""
    today = coverage.today_in_tokyo()
    following = next_month(today.year, today.month)
    return [amount_for(shop, today.year, today.month, hours), amount_for(shop, *following, hours)]


@dataclass(frozen=True)
class MonthBill:
    """A month's amount as its invoice lists it: the items, the totals per tax rate, and the rates
    in force on the month's last day (whose tax rate the invoice uses)."""

    amount: MonthlyAmount
    items: list[Item]
    totals: Totals
    rates: Rates


def month_bill(shop: Shop, year: int, month: int) -> MonthBill:
    """The shop's month as its invoice will read: what the billing run writes, the page explains."""
    rates_on = rates_lookup()
    rates = rates_on(days_of(year, month)[-1])
    amount = amount_for(shop, year, month, rates_on=rates_on)
    items = items_of(amount, rates.tax_rate_percent)
    return MonthBill(amount, items, totals(items), rates)
