"""Shifts that cover a per-half-hour requirement at the fewest paid hours (OR-Tools CP-SAT).

Time is counted in half-hour slots from the first day's midnight. The horizon wraps around: a
shift that starts on the last evening covers the first morning, as when the same week repeats, so
shifts across midnight are allowed everywhere and the paid hours belong to the week exactly.

Japan's Labour Standards Act (労働基準法) as it applies to shifts:
- at most 8 hours worked a day and 40 a week (Article 32), unless configured otherwise;
- a break of at least 45 minutes when more than 6 hours are worked, 60 when more than 8 (Article
  34); breaks are placed on the half-hour grid, so a 45-minute break is given as 60 minutes;
- at least one day off a week (Article 35): at most 6 shifts per operator and week.
Rest between shifts (勤務間インターバル) is only an employer's duty of effort in the law; we keep
11 hours by default and it can be configured.
Breaks are unpaid: paid hours are worked hours.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

SLOTS_PER_DAY = 48
SLOT_MINUTES = 30


@dataclass(frozen=True)
class LabourRules:
    max_daily_hours: float = 8.0
    max_weekly_hours: float = 40.0
    min_rest_hours: float = 11.0
    max_shifts_per_week: int = 6

    def break_minutes(self, work_minutes: int) -> int:
        """The law's minimum break for a day of `work_minutes`."""
        if work_minutes > 8 * 60:
            return 60
        if work_minutes > 6 * 60:
            return 45
        return 0


@dataclass(frozen=True)
class Pattern:
    name: str
    work_minutes: int


DEFAULT_PATTERNS = (Pattern("4h", 240), Pattern("8h", 480))


@dataclass(frozen=True)
class Shift:
    """One shift placed in the horizon: `start` slot, worked slots, and its break (if any)."""

    start: int
    work_slots: int
    break_offset: int = 0  # slots worked before the break
    break_slots: int = 0

    @property
    def span_slots(self) -> int:
        return self.work_slots + self.break_slots

    @property
    def end(self) -> int:
        return self.start + self.span_slots

    @property
    def paid_hours(self) -> float:
        return self.work_slots / 2

    @property
    def day(self) -> int:
        """The day the shift belongs to (the day it starts, also across midnight)."""
        return self.start // SLOTS_PER_DAY

    def working(self) -> list[int]:
        """Slots worked, unwrapped (the caller takes them modulo the horizon)."""
        before = range(self.start, self.start + self.break_offset)
        after = range(self.start + self.break_offset + self.break_slots, self.end)
        return [*before, *after] if self.break_slots else list(range(self.start, self.end))


def validate_patterns(patterns: Sequence[Pattern], rules: LabourRules) -> None:
    if not patterns:
        raise ValueError("at least one shift pattern is needed")
    for pattern in patterns:
        if pattern.work_minutes <= 0 or pattern.work_minutes % SLOT_MINUTES:
            raise ValueError(f"pattern {pattern.name}: worked time is a multiple of 30 minutes")
        if pattern.work_minutes > rules.max_daily_hours * 60:
            raise ValueError(
                f"pattern {pattern.name}: {pattern.work_minutes / 60:g} h passes the "
                f"{rules.max_daily_hours:g} h a day the rules allow"
            )


def shifts_of(pattern: Pattern, start: int, rules: LabourRules) -> list[Shift]:
    """Every way to place `pattern` at `start`: the break after 3/8 to 5/8 of the worked time."""
    work = pattern.work_minutes // SLOT_MINUTES
    rest = math.ceil(rules.break_minutes(pattern.work_minutes) / SLOT_MINUTES)
    if not rest:
        return [Shift(start, work)]
    offsets = range(math.ceil(work * 3 / 8), math.floor(work * 5 / 8) + 1)
    return [Shift(start, work, offset, rest) for offset in offsets]


def candidates(
    requirement: Sequence[int],
    patterns: Sequence[Pattern],
    rules: LabourRules,
    allowed: Callable[[Shift], bool] | None = None,
) -> list[Shift]:
    """Shifts at every half hour that work at least one slot with a requirement (and that
    someone can work, when `allowed` says who can)."""
    horizon = len(requirement)
    found = []
    for start in range(horizon):
        for pattern in patterns:
            for shift in shifts_of(pattern, start, rules):
                if any(requirement[s % horizon] for s in shift.working()) and (
                    allowed is None or allowed(shift)
                ):
                    found.append(shift)
    return found


@dataclass
class ShiftPlan:
    requirement: list[int]
    shifts: list[Shift]
    optimal: bool
    seconds: float
    coverage: list[int] = field(default_factory=list)

    @property
    def paid_hours(self) -> float:
        return sum(shift.paid_hours for shift in self.shifts)

    @property
    def required_hours(self) -> float:
        """Agent-hours of the requirement: what perfect shifts without breaks would pay."""
        return sum(self.requirement) / 2

    @property
    def shortfall_hours(self) -> float:
        """Agent-hours of the requirement that nobody available could cover."""
        return sum(max(r - c, 0) for r, c in zip(self.requirement, self.coverage, strict=True)) / 2


def coverage_of(shifts: Sequence[Shift], horizon: int) -> list[int]:
    on_duty = [0] * horizon
    for shift in shifts:
        for slot in shift.working():
            on_duty[slot % horizon] += 1
    return on_duty


class NoShifts(RuntimeError):
    """The requirement cannot be covered under the limits given."""


def choose_shifts(
    requirement: Sequence[int],
    patterns: Sequence[Pattern] = DEFAULT_PATTERNS,
    rules: LabourRules | None = None,
    *,
    operators_per_day: Sequence[int] | None = None,
    max_paid_hours: float | None = None,
    allowed: Callable[[Shift], bool] | None = None,
    available_per_slot: Sequence[int] | None = None,
    time_limit_s: float = 30.0,
) -> ShiftPlan:
    """The shifts of least paid hours whose on-duty count meets `requirement` in every slot.

    `operators_per_day` caps the shifts starting each day (one shift a day per operator) and
    `max_paid_hours` the week's total, so that the shifts can then be given to real operators.
    With `allowed` (someone can work the shift) and `available_per_slot` (operators who can work
    each slot), a slot is asked for no more than can be covered; the rest is the plan's shortfall.
    """
    rules = rules or LabourRules()
    validate_patterns(patterns, rules)
    requirement = [int(r) for r in requirement]
    if any(r < 0 for r in requirement):
        raise ValueError("a requirement is never negative")
    started = time.perf_counter()
    horizon = len(requirement)
    options = candidates(requirement, patterns, rules, allowed)
    if not options:
        return ShiftPlan(requirement, [], True, time.perf_counter() - started, [0] * horizon)
    model = cp_model.CpModel()
    peak = max(requirement)
    counts = [model.new_int_var(0, peak, f"n{i}") for i in range(len(options))]
    covering: list[list[int]] = [[] for _ in range(horizon)]
    for index, shift in enumerate(options):
        for slot in shift.working():
            covering[slot % horizon].append(index)
    asked = [need if covering[slot] else 0 for slot, need in enumerate(requirement)]
    if available_per_slot is not None:
        asked = [min(need, cap) for need, cap in zip(asked, available_per_slot, strict=True)]
    for slot, need in enumerate(asked):
        if need:
            model.add(sum(counts[i] for i in covering[slot]) >= need)
    if operators_per_day is not None:
        for day, limit in enumerate(operators_per_day):
            model.add(sum(counts[i] for i, s in enumerate(options) if s.day == day) <= limit)
    if max_paid_hours is not None:
        model.add(
            sum(c * s.work_slots for c, s in zip(counts, options, strict=True))
            <= int(max_paid_hours * 2)
        )
    model.minimize(sum(c * s.work_slots for c, s in zip(counts, options, strict=True)))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise NoShifts(
            "no set of shifts covers the requirement within the limits: "
            f"{max(requirement)} agents at the peak, "
            + (f"{max(operators_per_day)} operators a day at most" if operators_per_day else "")
        )
    chosen = [s for c, s in zip(counts, options, strict=True) for _ in range(solver.value(c))]
    chosen.sort(key=lambda s: (s.start, s.work_slots, s.break_offset))
    return ShiftPlan(
        requirement,
        chosen,
        status == cp_model.OPTIMAL,
        time.perf_counter() - started,
        coverage_of(chosen, horizon),
    )
