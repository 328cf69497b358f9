"""Giving shifts to operators: availability, one shift a day, rest, weekly hours, fairness."""

from __future__ import annotations

from scheduling.assignment import Candidate, assign
from scheduling.shifts import LabourRules, Shift

WEEK = 7 * 48
ALWAYS = frozenset(range(WEEK))


def day_shift(day: int, hour: int = 9, hours: int = 8) -> Shift:
    if hours > 6:
        return Shift(day * 48 + hour * 2, hours * 2, hours, 2)
    return Shift(day * 48 + hour * 2, hours * 2)


def test_an_operator_gets_only_shifts_inside_their_availability() -> None:
    mornings = frozenset(s for s in range(WEEK) if s % 48 < 28)  # until 14:00
    shifts = [day_shift(0, 9, 4), day_shift(0, 15, 4)]
    result = assign(shifts, [Candidate("am", mornings), Candidate("pm", ALWAYS)], WEEK)
    assert result.operator_of == ["am", "pm"]


def test_one_shift_a_day_and_rest_between_shifts() -> None:
    same_day = [day_shift(0, 9, 4), day_shift(0, 14, 4)]
    assert assign(same_day, [Candidate("solo", ALWAYS)], WEEK).unassigned == 1
    # 14:00–18:00, then 02:00 the next morning: 8 hours of rest, short of 11.
    close = [day_shift(0, 14, 4), day_shift(1, 2, 4)]
    assert assign(close, [Candidate("solo", ALWAYS)], WEEK).unassigned == 1
    relaxed = assign(close, [Candidate("solo", ALWAYS)], WEEK, LabourRules(min_rest_hours=8))
    assert relaxed.unassigned == 0


def test_forty_hours_and_six_days_a_week_at_most() -> None:
    shifts = [day_shift(day) for day in range(7)]  # 56 hours
    result = assign(shifts, [Candidate("solo", ALWAYS)], WEEK)
    assert result.hours_by_operator(shifts) == {"solo": 40.0}
    assert result.unassigned == 2
    part_time = assign(shifts, [Candidate("pt", ALWAYS, max_weekly_hours=20)], WEEK)
    assert part_time.hours_by_operator(shifts) == {"pt": 16.0}


def test_hours_are_spread_evenly() -> None:
    shifts = [day_shift(day) for day in range(6)] * 2  # twelve 8-hour shifts, two a day
    people = [Candidate(name, ALWAYS) for name in ("a", "b", "c", "d")]
    result = assign(shifts, people, WEEK)
    assert result.unassigned == 0
    assert sorted(result.hours_by_operator(shifts).values()) == [24.0] * 4
    assert result.optimal


def test_hours_count_per_calendar_week_with_what_is_worked_elsewhere() -> None:
    # From a Thursday: Thursday to Sunday are one week, Monday to Wednesday the next.
    shifts = [day_shift(day) for day in range(7)]
    already = Candidate("busy", ALWAYS, committed={0: (24 * 2, 3)})  # 24 h Monday–Wednesday
    result = assign(shifts, [already], WEEK, first_weekday=3)
    taken = [k for k, key in enumerate(result.operator_of) if key]
    assert len([k for k in taken if k < 4]) == 2  # 24 + 16 = 40 h in the first week
    assert len([k for k in taken if k >= 4]) == 3  # a new week
