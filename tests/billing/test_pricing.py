"""Monthly amounts: per band to the minute, prorated minimum and numbers, tax once, rounded down."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from billing.pricing import DEFAULT_RATES, Rates, Rental, monthly_amount
from tenants.coverage.schedule import TEMPLATES, Coverage, WeeklySchedule


def hours(week: dict, **kwargs) -> Coverage:
    return Coverage([(date(2020, 1, 1), WeeklySchedule(week, **kwargs))])


def default(day: date) -> Rates:
    return DEFAULT_RATES


def test_weekdays_9_to_18_in_november_2026_pass_the_minimum() -> None:
    # November 2026 has 21 weekdays, two of them holidays (3rd 文化の日, 23rd 勤労感謝の日):
    # 19 × 9 h × ¥180 = ¥30,780, tax ¥3,078.
    amount = monthly_amount(
        hours(TEMPLATES["weekdays_9_18"], holiday_mode="closed"),
        2026,
        11,
        default,
        active_from=date(2026, 1, 1),
    )
    assert amount.minutes == {"weekday_day": 19 * 540, "weekday_night": 0, "weekend_holiday": 0}
    assert amount.band_yen["weekday_day"] == 30780
    assert amount.coverage_yen == 30780
    assert not amount.minimum_applies
    assert amount.tax == 3078
    assert amount.total == 33858


def test_little_coverage_pays_the_prorated_minimum() -> None:
    amount = monthly_amount(
        hours({0: ((540, 600),)}), 2026, 11, default, active_from=date(2026, 11, 16)
    )  # 15 of 30 days
    assert amount.minimum_applies
    assert amount.minimum_yen == 15000
    assert amount.coverage_yen == 15000
    assert amount.total == 16500


def test_numbers_are_charged_by_days_rented() -> None:
    amount = monthly_amount(
        hours({}),
        2026,
        11,
        default,
        active_from=date(2026, 1, 1),
        rentals=[
            Rental("phone", date(2026, 1, 1), None),
            Rental("fax", date(2026, 11, 21), None),  # 10 of 30 days
        ],
    )
    assert amount.number_yen == 1000 + 333
    assert amount.subtotal == 30000 + 1333
    assert amount.tax == 3133  # 10 % of the whole, rounded down once


def test_a_new_rate_applies_from_its_day() -> None:
    def rates(day: date) -> Rates:
        return (
            DEFAULT_RATES
            if day < date(2026, 11, 16)
            else Rates(360, 520, 520, 1000, 1000, 30000, 10)
        )

    amount = monthly_amount(
        hours(TEMPLATES["always"]), 2026, 11, rates, active_from=date(2026, 1, 1)
    )
    # Before the 16th: 9 working weekdays at ¥180 (the 3rd is a holiday); from the 16th: 10 at ¥360
    # (the 23rd is a holiday, priced in the weekend-and-holiday band).
    assert amount.band_yen["weekday_day"] == (9 * 540 * 180 + 10 * 540 * 360) // 60


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(sorted(TEMPLATES)),
    st.integers(2025, 2027),
    st.integers(1, 12),
    st.integers(1, 28),
    st.integers(0, 3),
)
def test_amounts_are_whole_yen_and_tax_is_once_on_the_subtotal(
    template: str, year: int, month: int, start_day: int, phones: int
) -> None:
    rentals = [Rental("phone", date(year, month, 1), None)] * phones
    amount = monthly_amount(
        hours(TEMPLATES[template]),
        year,
        month,
        default,
        active_from=date(year, month, start_day),
        rentals=rentals,
    )
    assert all(isinstance(v, int) for v in (amount.subtotal, amount.tax, amount.total))
    assert amount.tax == amount.subtotal * 10 // 100
    assert amount.total == amount.subtotal + amount.tax
    assert amount.coverage_yen >= amount.minimum_yen
    assert amount.coverage_yen == max(sum(amount.band_yen.values()), amount.minimum_yen)
    assert amount.number_yen == 1000 * phones
