"""Forecast methods compete in a backtest: Japanese holidays by day type, campaign days, intervals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import jpholiday
import numpy as np
from flask import Flask

from scheduling import forecast, rosters
from scheduling.backtest import Series, rolling_origin, same_day_type, same_slot
from scheduling.models import DemandInterval
from tenants.db import db
from tests.conftest import system

TOKYO = ZoneInfo("Asia/Tokyo")


def office_day(day: date) -> float:
    """Calls per half hour 09:00–17:00: ten on working days, none on Sundays and holidays."""
    return 0.0 if day.weekday() == 6 or jpholiday.is_holiday(day) else 10.0


def series_from(first: date, days: int) -> Series:
    values = np.zeros(days * 48)
    for d in range(days):
        values[d * 48 + 18 : d * 48 + 34] = office_day(first + timedelta(days=d))
    return Series(values, 7 * 48, 48, first)


def test_a_holiday_is_forecast_like_a_sunday_and_skipped_as_history() -> None:
    # Five weeks from Monday 2026-10-19; the week of 2026-11-16 is forecast (23rd: 勤労感謝の日).
    series = series_from(date(2026, 10, 19), 42)
    start = 28 * 48  # Monday 2026-11-16
    by_type = same_day_type((4, 3, 2, 1), jpholiday.is_holiday)(series, start)
    plain = same_slot((4, 3, 2, 1))(series, start)
    tuesday = 1 * 48 + 20  # Tuesday 17th 10:00; the 3rd (文化の日) was a Tuesday
    assert plain[tuesday] < 10.0
    assert by_type[tuesday] == 10.0
    holiday = rolling_origin(series, same_day_type((4, 3, 2, 1), jpholiday.is_holiday), [35 * 48])
    average = rolling_origin(series, same_slot((4, 3, 2, 1)), [35 * 48])
    assert holiday.wape == 0.0 < average.wape  # the week of the 23rd


def add_history(first: date, days: int, per_slot: float = 10.0) -> None:
    for d in range(days):
        day = first + timedelta(days=d)
        for slot in range(18, 34):
            start = datetime(day.year, day.month, day.day, tzinfo=TOKYO) + slot * forecast.SLOT
            calls = int(office_day(day) and per_slot)
            if calls:
                db.session.add(
                    DemandInterval(
                        queue="q",
                        interval_start=start.astimezone(UTC),
                        offered=calls,
                        answered=calls,
                        handle_s=calls * 180,
                        wait_s_answered=calls * 5,
                    )
                )


def test_the_holiday_method_wins_the_backtest_on_japanese_history(app: Flask) -> None:
    with system(app):
        add_history(date(2026, 9, 28), 56)  # eight weeks before Monday 2026-11-23
        db.session.flush()
        predicted = forecast.forecast_days("q", date(2026, 11, 23), 7, TOKYO)
        assert predicted.method != forecast.BASELINE
        assert predicted.backtest.wape < predicted.contenders[forecast.BASELINE].wape
        assert predicted.values[20] == 0.0  # Monday the 23rd, a holiday, 10:00
        assert predicted.values[48 + 20] == 10.0  # Tuesday


def test_the_average_stays_when_nothing_beats_it(app: Flask) -> None:
    with system(app):
        add_history(date(2026, 6, 1), 42)  # June and July: no holidays until 海の日 (7/20)
        db.session.flush()
        predicted = forecast.forecast_days("q", date(2026, 7, 13), 7, TOKYO)
        assert predicted.method == forecast.BASELINE


def test_a_campaign_day_raises_its_forecast_and_is_divided_out_of_history(app: Flask) -> None:
    with system(app):
        add_history(date(2026, 6, 1), 42)
        # A sale on Wednesday 2026-07-08 doubled its calls: the history shows it…
        for row in db.session.scalars(db.select(DemandInterval)):
            if row.interval_start.astimezone(TOKYO).date() == date(2026, 7, 8):
                row.offered *= 2
        rosters.add_campaign("q", date(2026, 7, 8), 2.0, "summer sale", actor=None)
        rosters.add_campaign("q", date(2026, 7, 16), 1.5, None, actor=None)
        db.session.flush()
        predicted = forecast.forecast_days("q", date(2026, 7, 13), 7, TOKYO)
        wednesday, thursday = 2 * 48 + 20, 3 * 48 + 20
        assert predicted.values[wednesday] == 10.0  # …but next Wednesday is an ordinary one
        assert predicted.values[thursday] == 15.0


def test_the_interval_holds_the_backtest_errors(app: Flask) -> None:
    with system(app):
        add_history(date(2026, 6, 1), 42)
        for row in db.session.scalars(db.select(DemandInterval)):
            row.offered += row.interval_start.minute // 30 * 4  # half past is busier, unevenly
        db.session.flush()
        predicted = forecast.forecast_days("q", date(2026, 7, 13), 7, TOKYO)
        low, high = predicted.bound(0.1), predicted.bound(0.9)
        assert (low <= predicted.values).all()
        assert (high >= predicted.values).all()
        rows = forecast.plan_rows("q", predicted, target=0.98, shrinkage=0.0, interval=0.9)
        plain = forecast.plan_rows("q", predicted, target=0.98, shrinkage=0.0, interval=None)
        assert sum(r.required_agents for r in rows) >= sum(r.required_agents for r in plain)


def test_handling_time_and_patience_by_hour_where_the_hour_has_calls(app: Flask) -> None:
    with system(app):
        morning = datetime(2026, 11, 2, 10, 0, tzinfo=TOKYO)
        evening = datetime(2026, 11, 2, 20, 0, tzinfo=TOKYO)
        db.session.add_all(
            [
                DemandInterval(
                    queue="q",
                    interval_start=morning.astimezone(UTC),
                    offered=340,
                    answered=300,
                    abandoned=40,
                    handle_s=300 * 100,
                    wait_s_answered=300 * 10,
                    wait_s_abandoned=40 * 30,
                ),
                DemandInterval(  # too few calls for an hour of its own
                    queue="q",
                    interval_start=evening.astimezone(UTC),
                    offered=10,
                    answered=10,
                    handle_s=10 * 500,
                ),
            ]
        )
        db.session.flush()
        starts = [
            datetime(2026, 11, 9, 10, 30, tzinfo=TOKYO),
            datetime(2026, 11, 9, 20, 0, tzinfo=TOKYO),
        ]
        found = forecast.estimates_by_slot("q", starts)
        overall = forecast.estimates("q", starts[0])
        assert found is not None
        assert overall is not None
        assert found.aht_s.tolist() == [100.0, overall.aht_s]
        assert found.patience_s[0] == (3000 + 1200) / 40
        assert found.patience_s[1] == overall.patience_s
