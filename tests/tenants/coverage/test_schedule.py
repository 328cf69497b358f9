"""Coverage arithmetic: bands, holidays, closures, versions → covered minutes (properties and cases)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenants.coverage.schedule import (
    DAY,
    TEMPLATES,
    BandError,
    Closure,
    Coverage,
    WeeklySchedule,
    check_week,
    format_day,
    minutes_by_price_band,
    parse_band,
    parse_day,
)

MONDAY = date(2026, 11, 16)  # an ordinary week: no public holiday from 16 to 22 November 2026


def coverage(week: dict, **kwargs) -> Coverage:
    return Coverage([(date(2020, 1, 1), WeeklySchedule(week, **kwargs))])


class TestParsing:
    def test_band_past_midnight_belongs_to_its_start(self) -> None:
        assert parse_band("22:00-02:00") == (1320, 1560)
        assert parse_band("00:00-24:00") == (0, DAY)
        assert parse_band("９:００〜18:30".replace("９", "9").replace("００", "00")) == (540, 1110)

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("09:00-09:00", "starts and ends at the same time"),
            ("09:15-18:00", "half hour"),
            ("25:00-26:00", "not a time of day"),
            ("nine to five", "not a band"),
            ("24:00-02:00", "not a time of day"),
        ],
    )
    def test_bad_bands_say_why(self, text: str, message: str) -> None:
        with pytest.raises(BandError, match=message):
            parse_band(text)

    def test_overlapping_bands_are_refused(self) -> None:
        with pytest.raises(BandError, match="overlap"):
            WeeklySchedule({0: parse_day("09:00-12:00, 11:00-13:00")})

    def test_band_running_into_the_next_days_band_is_refused(self) -> None:
        with pytest.raises(BandError, match="runs into"):
            check_week({0: ((1320, 1560),), 1: ((60, 600),)})
        with pytest.raises(BandError, match="runs into"):
            check_week({6: ((1320, 1500),), 0: ((0, 600),)})  # Sunday night into Monday

    def test_day_round_trips_through_text(self) -> None:
        bands = parse_day("18:00-21:00, 09:00-12:00")
        assert format_day(bands) == "09:00-12:00, 18:00-21:00"
        assert parse_day("") == ()


class TestCoverage:
    def test_weekday_daytime(self) -> None:
        hours = coverage(TEMPLATES["weekdays_9_18"])
        at = datetime(2026, 11, 16, 0, 30, tzinfo=UTC)  # Monday 09:30 in Tokyo
        assert hours.covers(at)
        assert not hours.covers(at + timedelta(hours=9))  # 18:30
        assert not hours.covers(datetime(2026, 11, 21, 1, 0, tzinfo=UTC))  # Saturday

    def test_night_band_spills_into_the_next_calendar_day(self) -> None:
        hours = coverage({4: ((1320, 1560),)})  # Friday 22:00 – Saturday 02:00
        assert hours.minutes_on(date(2026, 11, 20)) == [(1320, DAY)]
        assert hours.minutes_on(date(2026, 11, 21)) == [(0, 120)]
        assert hours.covers(datetime(2026, 11, 20, 16, 30, tzinfo=UTC))  # Sat 01:30 JST

    def test_holiday_modes(self) -> None:
        culture_day = date(2026, 11, 3)  # 文化の日, a Tuesday
        week = TEMPLATES["weekdays_9_18"]
        assert coverage(week).minutes_on(culture_day) == [(540, 1080)]
        assert coverage(week, holiday_mode="closed").minutes_on(culture_day) == []
        special = coverage(week, holiday_mode="bands", holiday_bands=((600, 960),))
        assert special.minutes_on(culture_day) == [(600, 960)]

    def test_substitute_holiday_counts_as_a_holiday(self) -> None:
        substitute = date(2026, 5, 6)  # 振替休日 for Constitution Day
        hours = coverage(TEMPLATES["weekdays_9_18"], holiday_mode="closed")
        assert hours.minutes_on(substitute) == []

    def test_closure_every_year_across_new_year(self) -> None:
        year_end = Closure(date(2026, 12, 29), date(2027, 1, 3), every_year=True)
        hours = Coverage([(date(2020, 1, 1), WeeklySchedule(TEMPLATES["always"]))], [year_end])
        assert hours.minutes_on(date(2030, 12, 31)) == []
        assert hours.minutes_on(date(2031, 1, 3)) == []
        assert hours.minutes_on(date(2031, 1, 4)) == [(0, DAY)]

    def test_versions_apply_from_their_effective_date(self) -> None:
        hours = Coverage(
            [
                (date(2026, 1, 1), WeeklySchedule(TEMPLATES["weekdays_9_18"])),
                (date(2026, 11, 18), WeeklySchedule(TEMPLATES["always"])),
            ]
        )
        assert hours.minutes_on(date(2026, 11, 17)) == [(540, 1080)]
        assert hours.minutes_on(date(2026, 11, 18)) == [(0, DAY)]
        assert Coverage([]).minutes_on(date(2026, 11, 18)) == []

    def test_emergency_closure_answers_no(self) -> None:
        hours = Coverage([(date(2020, 1, 1), WeeklySchedule(TEMPLATES["always"]))], (), True)
        assert not hours.covers(datetime(2026, 11, 18, 3, 0, tzinfo=UTC))

    def test_price_bands_split_weekday_day_and_night(self) -> None:
        hours = coverage(TEMPLATES["daily_9_21"])
        assert minutes_by_price_band(hours, MONDAY) == {
            "weekday_day": 540,
            "weekday_night": 180,
            "weekend_holiday": 0,
        }
        assert minutes_by_price_band(hours, date(2026, 11, 22)) == {
            "weekday_day": 0,
            "weekday_night": 0,
            "weekend_holiday": 720,
        }
        assert minutes_by_price_band(hours, date(2026, 12, 30))["weekend_holiday"] == 720


grid_time = st.integers(min_value=0, max_value=47).map(lambda i: i * 30)


@st.composite
def weeks(draw: st.DrawFn) -> dict[int, tuple[tuple[int, int], ...]]:
    """Random valid weeks: up to three bands a day, some past midnight."""
    week: dict[int, tuple[tuple[int, int], ...]] = {}
    for weekday in range(7):
        cuts = sorted(set(draw(st.lists(grid_time, max_size=6))))
        bands = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
        if bands and draw(st.booleans()):
            start, _ = bands[-1]
            bands[-1] = (start, start + draw(st.integers(1, (DAY - start) // 30 + 12)) * 30)
        week[weekday] = tuple(bands)
    for weekday in range(7):  # trim spills that would run into the next day's first band
        following = week[(weekday + 1) % 7]
        limit = DAY + (following[0][0] if following else DAY)
        week[weekday] = tuple((s, min(e, limit, s + DAY)) for s, e in week[weekday])
    return week


@settings(max_examples=200, deadline=None)
@given(weeks())
def test_a_plain_week_covers_exactly_its_band_lengths(week: dict) -> None:
    # The schedule repeats weekly, so what Sunday spills into Monday is what the previous
    # Sunday spilled into this Monday: seven calendar days hold exactly the week's bands.
    hours = coverage(week)
    days = [MONDAY + timedelta(days=offset) for offset in range(7)]
    covered = sum(e - s for day in days for s, e in hours.minutes_on(day))
    assert covered == hours.versions[0][1].weekly_minutes()


@settings(max_examples=200, deadline=None)
@given(weeks(), st.integers(0, 400), st.integers(0, DAY - 1))
def test_covers_agrees_with_minutes(week: dict, day_offset: int, minute: int) -> None:
    hours = coverage(week, holiday_mode="closed")
    day = date(2026, 1, 1) + timedelta(days=day_offset)
    at = (
        datetime(day.year, day.month, day.day, tzinfo=UTC)
        - timedelta(hours=9)
        + timedelta(minutes=minute)
    )
    inside = any(s <= minute < e for s, e in hours.minutes_on(day))
    assert hours.covers(at) == inside


@settings(max_examples=200, deadline=None)
@given(weeks(), st.integers(0, 800))
def test_price_bands_add_up_to_the_covered_minutes(week: dict, day_offset: int) -> None:
    hours = coverage(week, holiday_mode="as_weekday")
    day = date(2025, 12, 1) + timedelta(days=day_offset)
    split = minutes_by_price_band(hours, day)
    assert sum(split.values()) == sum(e - s for s, e in hours.minutes_on(day))
    assert all(v >= 0 for v in split.values())


@settings(max_examples=100, deadline=None)
@given(weeks(), st.integers(0, 365), st.integers(0, 30))
def test_a_closure_removes_exactly_its_days(week: dict, start: int, length: int) -> None:
    first = date(2026, 1, 1) + timedelta(days=start)
    closure = Closure(first, first + timedelta(days=length))
    open_hours = coverage(week)
    closed = Coverage(open_hours.versions, [closure])
    for offset in range(-1, length + 2):
        day = first + timedelta(days=offset)
        expected = [] if closure.covers(day) else open_hours.minutes_on(day)
        assert closed.minutes_on(day) == expected
