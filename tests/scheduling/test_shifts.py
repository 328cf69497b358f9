"""Shifts: the law's breaks, the fewest paid hours, shifts across midnight, the day and week caps."""

from __future__ import annotations

import pytest

from scheduling.shifts import (
    DEFAULT_PATTERNS,
    LabourRules,
    NoShifts,
    Pattern,
    Shift,
    choose_shifts,
    shifts_of,
)


@pytest.mark.parametrize(
    ("hours", "break_minutes"), [(4, 0), (6, 0), (6.5, 45), (8, 45), (8.5, 60), (10, 60)]
)
def test_breaks_follow_the_labour_standards_act(hours: float, break_minutes: int) -> None:
    assert LabourRules().break_minutes(int(hours * 60)) == break_minutes


def test_an_eight_hour_shift_has_an_hour_off_in_its_middle() -> None:
    placed = shifts_of(Pattern("8h", 480), 18, LabourRules())
    assert {s.break_slots for s in placed} == {2}  # 45 minutes, given on the half-hour grid
    assert [s.break_offset for s in placed] == [6, 7, 8, 9, 10]  # after 3 to 5 hours
    assert all(s.span_slots == 18 and s.paid_hours == 8 for s in placed)
    assert shifts_of(Pattern("4h", 240), 18, LabourRules()) == [Shift(18, 8)]


def test_a_pattern_longer_than_the_day_allows_is_refused() -> None:
    with pytest.raises(ValueError, match="passes the 8 h a day"):
        choose_shifts([1] * 48, [Pattern("10h", 600)])
    plan = choose_shifts(
        [1] * 10 + [0] * 2 + [1] * 10 + [0] * 26, [Pattern("10h", 600)], LabourRules(10)
    )
    assert [(s.start, s.work_slots, s.break_offset, s.break_slots) for s in plan.shifts] == [
        (0, 20, 10, 2)
    ]


def test_every_half_hour_is_covered_at_the_fewest_paid_hours() -> None:
    # One agent from 09:00 to 17:00: two 4-hour shifts (8 h paid) beat an 8-hour shift, whose
    # break would need a third shift.
    requirement = [0] * 18 + [1] * 16 + [0] * 14
    plan = choose_shifts(requirement)
    assert plan.optimal
    assert plan.paid_hours == plan.required_hours == 8
    assert [(s.start, s.work_slots) for s in plan.shifts] == [(18, 8), (26, 8)]
    assert all(c >= r for c, r in zip(plan.coverage, requirement, strict=True))


def test_a_long_day_takes_eight_hour_shifts_with_breaks_covered() -> None:
    requirement = [0] * 14 + [3] * 28 + [0] * 6  # three agents 07:00–21:00
    plan = choose_shifts(requirement)
    assert plan.optimal
    assert all(c >= r for c, r in zip(plan.coverage, requirement, strict=True))
    assert plan.paid_hours <= plan.required_hours * 1.15


def test_shifts_cross_midnight_and_the_week_wraps() -> None:
    # 22:00–02:00 on a one-day horizon: the last evening and the first night are one shift.
    requirement = [1] * 4 + [0] * 40 + [1] * 4
    plan = choose_shifts(requirement)
    assert [(s.start, s.work_slots) for s in plan.shifts] == [(44, 8)]
    assert plan.paid_hours == 4


def test_day_and_week_caps_limit_the_shifts() -> None:
    with pytest.raises(NoShifts):
        choose_shifts([2] * 16 + [0] * 32, DEFAULT_PATTERNS, operators_per_day=[1])
    with pytest.raises(NoShifts):
        choose_shifts([1] * 16 + [0] * 32, DEFAULT_PATTERNS, max_paid_hours=6)


def test_negative_requirements_are_refused() -> None:
    with pytest.raises(ValueError, match="never negative"):
        choose_shifts([1, -1])


def test_a_week_of_real_dates_does_not_wrap() -> None:
    # The same nights, but the week does not repeat: Monday 00:00–02:00 needs a shift of its
    # own, and the last evening's shift runs into the next week.
    requirement = [1] * 4 + [0] * 40 + [1] * 4
    plan = choose_shifts(requirement, wrap=False)
    first, last = sorted(plan.shifts, key=lambda s: s.start)
    assert (first.start, first.work_slots) == (0, 8)
    assert last.start in range(40, 45)  # 20:00 at the earliest: four hours that reach 24:00
    assert plan.paid_hours == 8
    # Last week's shift still on the phones until 02:00 covers the first night.
    carried = [1] * 4 + [0] * 44
    plan = choose_shifts(requirement, wrap=False, carried=carried)
    (evening,) = plan.shifts
    assert evening.start in range(40, 45)
    assert plan.coverage[:4] == [1] * 4


def test_a_pattern_with_a_fixed_start_and_a_longer_break() -> None:
    early = Pattern("早番", 480, break_minutes=75, start_minute=9 * 60)
    placed = shifts_of(early, 18, LabourRules())
    assert {s.break_slots for s in placed} == {3}  # 75 minutes on the half-hour grid
    plan = choose_shifts([0] * 18 + [1] * 8 + [0] * 22, [early])
    assert {s.start for s in plan.shifts} == {18}
    with pytest.raises(ValueError, match="at least 45 minutes"):
        choose_shifts([1] * 48, [Pattern("7h", 420, break_minutes=30)])
