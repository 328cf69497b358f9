"""An invoice from random weekly hours agrees with an independent minute-by-minute computation."""

from __future__ import annotations

import calendar
from datetime import date

import jpholiday
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.invoicing import items_of, totals
from billing.pricing import DEFAULT_RATES, Rates, monthly_amount
from tenants.coverage.schedule import Coverage, WeeklySchedule

RATE = {"weekday_day": 180, "weekday_night": 260, "weekend_holiday": 260}


@st.composite
def week(draw: st.DrawFn) -> dict[int, tuple[tuple[int, int], ...]]:
    """0 to 2 bands a weekday on the 30-minute grid, within the day."""
    days = {}
    for weekday in range(7):
        points = sorted(draw(st.sets(st.integers(0, 48), max_size=4)))
        if len(points) % 2:
            points = points[:-1]
        days[weekday] = tuple(
            (points[i] * 30, points[i + 1] * 30) for i in range(0, len(points), 2)
        )
    return {d: bands for d, bands in days.items() if bands}


def holiday_or_weekend(day: date) -> bool:
    year_end = (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)
    return day.weekday() >= 5 or jpholiday.is_holiday(day) or year_end


def by_hand(hours: dict, year: int, month: int, first_active: int) -> tuple[int, int]:
    """Subtotal and tax, minute by minute, with nothing from the billing code."""
    days = calendar.monthrange(year, month)[1]
    yen_minutes = dict.fromkeys(RATE, 0)
    for d in range(first_active, days + 1):
        day = date(year, month, d)
        for start, end in hours.get(day.weekday(), ()):
            for minute in range(start, end):
                if holiday_or_weekend(day):
                    band = "weekend_holiday"
                elif 540 <= minute < 1080:
                    band = "weekday_day"
                else:
                    band = "weekday_night"
                yen_minutes[band] += RATE[band]
    coverage = sum(v // 60 for v in yen_minutes.values())
    minimum = 30000 * (days - first_active + 1) // days
    subtotal = max(coverage, minimum)
    return subtotal, subtotal * 10 // 100


def default(day: date) -> Rates:
    return DEFAULT_RATES


@settings(max_examples=60, deadline=None)
@given(week(), st.integers(2025, 2027), st.integers(1, 12), st.integers(1, 28))
def test_invoice_totals_match_an_independent_computation(
    hours: dict, year: int, month: int, first_active: int
) -> None:
    amount = monthly_amount(
        Coverage([(date(2020, 1, 1), WeeklySchedule(hours))]),
        year,
        month,
        default,
        active_from=date(year, month, first_active),
    )
    items = items_of(amount, 10)
    result = totals(items)
    subtotal, tax = by_hand(hours, year, month, first_active)
    assert (result.subtotal, result.tax, result.total) == (subtotal, tax, subtotal + tax)
    assert sum(i.amount for i in items) == result.subtotal
    assert all(i.amount > 0 for i in items)
