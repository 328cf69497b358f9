"""The monthly amount of a shop (DESIGN.md section 7): integer yen, tax once per invoice, rounded down.

Coverage is priced to the minute in three bands with the rate card in force each day; the coverage
part is at least the monthly minimum, prorated by the days the contract was active; a number costs
its monthly fee prorated by the days it was rented. Consumption tax is added on top, once, on the
subtotal, rounded down.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from tenants.coverage.services import PRICE_BANDS, Coverage, minutes_by_price_band


@dataclass(frozen=True)
class Rates:
    weekday_day: int
    weekday_night: int
    weekend_holiday: int
    phone_number: int
    fax_number: int
    monthly_minimum: int
    tax_rate_percent: int

    def per_hour(self, band: str) -> int:
        return int(getattr(self, band))


DEFAULT_RATES = Rates(180, 260, 260, 1000, 1000, 30000, 10)


@dataclass(frozen=True)
class Rental:
    kind: str  # "phone" or "fax"
    first_day: date
    last_day: date | None  # None: still rented
    number: str = ""  # E.164, named on the invoice


@dataclass(frozen=True)
class RentalCharge:
    """A number's part of the month: the days it was rented (first to last) and their yen."""

    kind: str
    number: str
    first_day: date | None  # None: not rented this month
    last_day: date | None
    days: int
    yen: int


@dataclass
class MonthlyAmount:
    year: int
    month: int
    minutes: dict[str, int] = field(default_factory=dict)
    band_yen: dict[str, int] = field(default_factory=dict)
    coverage_yen: int = 0
    minimum_yen: int = 0
    number_yen: int = 0
    subtotal: int = 0
    tax: int = 0
    total: int = 0
    active_days: int = 0
    #: Each rental's part of the month, in the order given (invoice lines).
    rental_yen: list[RentalCharge] = field(default_factory=list)

    @property
    def minimum_applies(self) -> bool:
        return self.minimum_yen > sum(self.band_yen.values())


def days_of(year: int, month: int) -> list[date]:
    return [date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]


def monthly_amount(
    coverage: Coverage,
    year: int,
    month: int,
    rates_on: Callable[[date], Rates],
    *,
    active_from: date,
    active_until: date | None = None,
    rentals: Sequence[Rental] = (),
) -> MonthlyAmount:
    """What a shop owes for a month (before any discount), computed day by day."""
    days = days_of(year, month)
    amount = MonthlyAmount(
        year, month, dict.fromkeys(PRICE_BANDS, 0), dict.fromkeys(PRICE_BANDS, 0)
    )
    yen_minutes = dict.fromkeys(PRICE_BANDS, 0)  # minutes × yen per hour, divided by 60 at the end
    minimum_share = 0  # minimum × active days, divided by the month's days at the end
    for day in days:
        if day < active_from or (active_until is not None and day > active_until):
            continue
        rates = rates_on(day)
        amount.active_days += 1
        minimum_share += rates.monthly_minimum
        for band, minutes in minutes_by_price_band(coverage, day).items():
            amount.minutes[band] += minutes
            yen_minutes[band] += minutes * rates.per_hour(band)
    amount.band_yen = {band: yen_minutes[band] // 60 for band in PRICE_BANDS}
    amount.minimum_yen = minimum_share // len(days)
    amount.coverage_yen = max(sum(amount.band_yen.values()), amount.minimum_yen)
    amount.rental_yen = [_rental_yen(r, days, rates_on) for r in rentals]
    amount.number_yen = sum(charge.yen for charge in amount.rental_yen)
    amount.subtotal = amount.coverage_yen + amount.number_yen
    tax_rate = rates_on(days[-1]).tax_rate_percent
    amount.tax = amount.subtotal * tax_rate // 100
    amount.total = amount.subtotal + amount.tax
    return amount


def _rental_yen(
    rental: Rental, days: list[date], rates_on: Callable[[date], Rates]
) -> RentalCharge:
    """The days rented this month, and the monthly fee prorated by them."""
    share = 0
    rented = [
        day
        for day in days
        if rental.first_day <= day and (rental.last_day is None or day <= rental.last_day)
    ]
    for day in rented:
        rates = rates_on(day)
        share += rates.phone_number if rental.kind == "phone" else rates.fax_number
    return RentalCharge(
        rental.kind,
        rental.number,
        rented[0] if rented else None,
        rented[-1] if rented else None,
        len(rented),
        share // len(days),
    )


def next_month(year: int, month: int) -> tuple[int, int]:
    first = date(year, month, 28) + timedelta(days=4)
    return first.year, first.month
