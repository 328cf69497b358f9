"""Shifts that cover a per-half-hour requirement at the fewest paid hours (OR-Tools CP-SAT).

Time is counted in half-hour slots from the first day's midnight. Shifts across midnight are
allowed everywhere. A plan of a week on its own (`wrap=True`, the default of the pure functions)
treats the week as repeating: a shift that starts on the last evening covers the first morning.
A roster of real dates does not wrap (`wrap=False`): a shift of the last evening runs into the next
week, which counts it, and the previous week's published shifts that run into this one are given
as `carried` coverage.

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
    """A shift length; a longer break than the law's minimum, and a fixed start, when given."""

    name: str
    work_minutes: int
    break_minutes: int | None = None  # None: the law's minimum
    start_minute: int | None = None  # minutes after midnight; None: any half hour

    def break_slots(self, rules: LabourRules) -> int:
        minutes = max(rules.break_minutes(self.work_minutes), self.break_minutes or 0)
        return math.ceil(minutes / SLOT_MINUTES)

    def starts_at(self, slot: int) -> bool:
        return self.start_minute is None or (slot % SLOTS_PER_DAY) * SLOT_MINUTES == (
            self.start_minute
        )


DEFAULT_PATTERNS = (Pattern("4時間勤務", 240), Pattern("8時間勤務", 480))


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
        legal = rules.break_minutes(pattern.work_minutes)
        if pattern.break_minutes is not None and pattern.break_minutes < legal:
            raise ValueError(
                f"pattern {pattern.name}: {pattern.work_minutes / 60:g} h worked needs a break "
                f"of at least {legal} minutes"
            )
        if pattern.start_minute is not None and (
            pattern.start_minute % SLOT_MINUTES or not 0 <= pattern.start_minute < 1440
        ):
            raise ValueError(f"pattern {pattern.name}: starts on the hour or the half hour")
        if pattern.work_minutes > rules.max_daily_hours * 60:
            raise ValueError(
                f"pattern {pattern.name}: {pattern.work_minutes / 60:g} h passes the "
                f"{rules.max_daily_hours:g} h a day the rules allow"
            )


def shifts_of(pattern: Pattern, start: int, rules: LabourRules) -> list[Shift]:
    """Every way to place `pattern` at `start`: the break after 3/8 to 5/8 of the worked time."""
    work = pattern.work_minutes // SLOT_MINUTES
    rest = pattern.break_slots(rules)
    if not rest:
        return [Shift(start, work)]
    offsets = range(math.ceil(work * 3 / 8), math.floor(work * 5 / 8) + 1)
    return [Shift(start, work, offset, rest) for offset in offsets]


def candidates(
    requirement: Sequence[int],
    patterns: Sequence[Pattern],
    rules: LabourRules,
    allowed: Callable[[Shift], bool] | None = None,
    *,
    wrap: bool = True,
) -> list[Shift]:
    """Shifts at every half hour (or a pattern's own start) that work at least one slot with a
    requirement (and that someone can work, when `allowed` says who can)."""
    horizon = len(requirement)
    found = []
    for start in range(horizon):
        for pattern in patterns:
            if not pattern.starts_at(start):
                continue
            for shift in shifts_of(pattern, start, rules):
                if any(requirement[s] for s in in_horizon(shift, horizon, wrap)) and (
                    allowed is None or allowed(shift)
                ):
                    found.append(shift)
    return found


def in_horizon(shift: Shift, horizon: int, wrap: bool) -> list[int]:
    """The slots of the horizon the shift works: wrapped round, or cut at its end."""
    if wrap:
        return [slot % horizon for slot in shift.working()]
    return [slot for slot in shift.working() if slot < horizon]


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


def coverage_of(shifts: Sequence[Shift], horizon: int, *, wrap: bool = True) -> list[int]:
    on_duty = [0] * horizon
    for shift in shifts:
        for slot in in_horizon(shift, horizon, wrap):
            on_duty[slot] += 1
    return on_duty


def short_intervals(
    requirement: Sequence[int], available: Sequence[int]
) -> list[tuple[int, int, int, int]]:
    """Runs of slots where fewer operators can work than the requirement asks for:
    (first slot, end slot, agents asked at most, operators available at least)."""
    runs: list[tuple[int, int, int, int]] = []
    for slot, (need, can) in enumerate(zip(requirement, available, strict=True)):
        if need <= can:
            continue
        if runs and runs[-1][1] == slot and runs[-1][3] == can:
            first, _, asked, _ = runs[-1]
            runs[-1] = (first, slot + 1, max(asked, need), can)
        else:
            runs.append((slot, slot + 1, need, can))
    return runs


def at_most_available(
    model: cp_model.CpModel,
    counts: Sequence[cp_model.IntVar],
    options: Sequence[Shift],
    available: Sequence[int],
    wrap: bool,
) -> None:
    """No more shifts under way in a slot (breaks included) than operators who can work it."""
    horizon = len(available)
    under_way: list[list[int]] = [[] for _ in range(horizon)]
    for index, shift in enumerate(options):
        for slot in range(shift.start, shift.end):
            if wrap or slot < horizon:
                under_way[slot % horizon].append(index)
    for slot, indices in enumerate(under_way):
        if indices:
            model.add(sum(counts[i] for i in indices) <= available[slot])


class NoShifts(RuntimeError):
    """The requirement cannot be covered under the limits given."""


def fewest_paid_hours(
    model: cp_model.CpModel,
    counts: Sequence[cp_model.IntVar],
    options: Sequence[Shift],
    operators_per_day: Sequence[int] | None,
    max_paid_hours: float | None,
    time_limit_s: float,
) -> tuple[cp_model.CpSolver | None, bool]:
    """Add the limits on operators a day and paid hours, choose the shifts with the fewest paid
    hours and solve: the solver and whether its answer is proven optimal (no solver when nothing
    meets the constraints)."""
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
        return None, False
    return solver, status == cp_model.OPTIMAL


def choose_shifts(
    requirement: Sequence[int],
    patterns: Sequence[Pattern] = DEFAULT_PATTERNS,
    rules: LabourRules | None = None,
    *,
    operators_per_day: Sequence[int] | None = None,
    max_paid_hours: float | None = None,
    allowed: Callable[[Shift], bool] | None = None,
    available_per_slot: Sequence[int] | None = None,
    carried: Sequence[int] | None = None,
    wrap: bool = True,
    time_limit_s: float = 30.0,
) -> ShiftPlan:
    """The shifts of least paid hours whose on-duty count meets `requirement` in every slot.

    `operators_per_day` caps the shifts starting each day (one shift a day per operator) and
    `max_paid_hours` the week's total, so that the shifts can then be given to real operators.
    With `allowed` (someone can work the shift) and `available_per_slot` (operators who can work
    each slot), a slot is asked for no more than can be covered; the rest is the plan's shortfall.
    `carried` operators are already on duty in a slot (shifts of the week before running into
    this one); the plan's coverage counts them.
    """
    rules = rules or LabourRules()
    validate_patterns(patterns, rules)
    requirement = [int(r) for r in requirement]
    if any(r < 0 for r in requirement):
        raise ValueError("a requirement is never negative")
    started = time.perf_counter()
    horizon = len(requirement)
    already = [int(c) for c in carried] if carried is not None else [0] * horizon
    uncovered = [max(need - have, 0) for need, have in zip(requirement, already, strict=True)]
    options = candidates(uncovered, patterns, rules, allowed, wrap=wrap)
    if not options:
        return ShiftPlan(requirement, [], True, time.perf_counter() - started, already)
    model = cp_model.CpModel()
    peak = max(uncovered)
    counts = [model.new_int_var(0, peak, f"n{i}") for i in range(len(options))]
    covering: list[list[int]] = [[] for _ in range(horizon)]
    for index, shift in enumerate(options):
        for slot in in_horizon(shift, horizon, wrap):
            covering[slot].append(index)
    asked = [need if covering[slot] else 0 for slot, need in enumerate(uncovered)]
    if available_per_slot is not None:
        asked = [min(need, cap) for need, cap in zip(asked, available_per_slot, strict=True)]
        at_most_available(model, counts, options, available_per_slot, wrap)
    for slot, need in enumerate(asked):
        if need:
            model.add(sum(counts[i] for i in covering[slot]) >= need)
    solver, optimal = fewest_paid_hours(
        model, counts, options, operators_per_day, max_paid_hours, time_limit_s
    )
    if solver is None:
        raise NoShifts(
            "no set of shifts covers the requirement within the limits: "
            f"{max(requirement)} agents at the peak, "
            + (f"{max(operators_per_day)} operators a day at most" if operators_per_day else "")
        )
    chosen = [s for c, s in zip(counts, options, strict=True) for _ in range(solver.value(c))]
    chosen.sort(key=lambda s: (s.start, s.work_slots, s.break_offset))
    on_duty = coverage_of(chosen, horizon, wrap=wrap)
    return ShiftPlan(
        requirement,
        chosen,
        optimal,
        time.perf_counter() - started,
        [mine + theirs for mine, theirs in zip(on_duty, already, strict=True)],
    )
