"""Giving chosen shifts to named operators (OR-Tools CP-SAT).

Each operator may take a shift only when available for all of it (availability windows, no
leave) and holding the queue's skill. Per operator: one shift a day, the hours and shifts of each
calendar week (Monday to Sunday; a shift counts in the week it starts) within the labour rules
together with what they already work in that week on other rosters, and the rest between two
shifts. Every shift that can be given is given;
among such rosters the one whose operators' hours lie closest together (the fewest hours between
the most and the least loaded operator) wins.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from ortools.sat.python import cp_model

from scheduling.shifts import SLOTS_PER_DAY, LabourRules, Shift


@dataclass(frozen=True)
class Candidate:
    """An operator as the roster sees them: slots they can work (of the horizon, and past its end
    for a shift that runs into the next day), their weekly cap, and per calendar week (0: the
    week of the horizon's first day) the worked slots and shifts they already have elsewhere."""

    key: str
    available: frozenset[int]
    max_weekly_hours: float | None = None
    committed: Mapping[int, tuple[int, int]] = field(default_factory=dict)

    def signature(self) -> tuple[object, ...]:
        return (self.available, self.max_weekly_hours, tuple(sorted(self.committed.items())))


@dataclass
class Assignment:
    operator_of: list[str | None]  # per shift, in the order given
    optimal: bool
    seconds: float

    @property
    def unassigned(self) -> int:
        return sum(1 for key in self.operator_of if key is None)

    def hours_by_operator(self, shifts: Sequence[Shift]) -> dict[str, float]:
        hours: dict[str, float] = {}
        for key, shift in zip(self.operator_of, shifts, strict=True):
            if key is not None:
                hours[key] = hours.get(key, 0.0) + shift.paid_hours
        return hours


def can_work(candidate: Candidate, shift: Shift, horizon: int, *, wrap: bool = True) -> bool:
    if wrap:
        return all(slot % horizon in candidate.available for slot in range(shift.start, shift.end))
    return all(slot in candidate.available for slot in range(shift.start, shift.end))


def week_of(shift: Shift, first_weekday: int) -> int:
    """The calendar week (Monday to Sunday) a shift counts in: the one it starts in."""
    return (first_weekday + shift.start // SLOTS_PER_DAY) // 7


def clashing_groups(
    shifts: Sequence[Shift], horizon: int, rest_slots: int, *, wrap: bool = True
) -> list[list[int]]:
    """Groups of shifts of which one person works at most one.

    A shift with its rest after it is an arc of the horizon (wrapping round when the week
    repeats); two shifts clash when their arcs meet, and then one arc holds the other's start, so
    the arcs through each start form groups that together hold every clash. Shifts of one day
    form a group too.
    """
    groups = []
    for point in sorted({shift.start % horizon for shift in shifts}):
        group = [
            k
            for k, shift in enumerate(shifts)
            if ((point - shift.start) % horizon if wrap else point - shift.start)
            in range(shift.span_slots + rest_slots)
        ]
        if len(group) > 1:
            groups.append(group)
    by_day: dict[int, list[int]] = {}
    for k, shift in enumerate(shifts):
        by_day.setdefault(shift.day, []).append(k)
    groups.extend(group for group in by_day.values() if len(group) > 1)
    return groups


def assign(
    shifts: Sequence[Shift],
    operators: Sequence[Candidate],
    horizon: int,
    rules: LabourRules | None = None,
    *,
    wrap: bool = True,
    first_weekday: int = 0,
    time_limit_s: float = 20.0,
) -> Assignment:
    """Who works which shift; a shift nobody can take stays unassigned (None).

    `first_weekday` is the weekday of the horizon's first day (Monday 0): weekly hours and days
    are counted per calendar week. `wrap`: the horizon repeats (see `scheduling.shifts`).

    Two solves: the most worked hours given, then, with that fixed, the least spread between the
    most and the least loaded operator. Hours are counted in units of the shifts' common divisor
    (4 h for 4 h and 8 h shifts), in which the solver proves the spread's lower bound at once.
    """
    rules = rules or LabourRules()
    started = time.perf_counter()
    unit = math.gcd(*(s.work_slots for s in shifts)) if shifts else 1
    weeks_of = [week_of(shift, first_weekday) for shift in shifts]
    model = cp_model.CpModel()
    take: dict[tuple[int, int], cp_model.IntVar] = {}
    for o, person in enumerate(operators):
        for k, shift in enumerate(shifts):
            if can_work(person, shift, horizon, wrap=wrap):
                take[o, k] = model.new_bool_var(f"x{o}_{k}")
    for k in range(len(shifts)):
        model.add_at_most_one(take[o, k] for o in range(len(operators)) if (o, k) in take)
    groups = clashing_groups(shifts, horizon, round(rules.min_rest_hours * 2), wrap=wrap)
    units: list[cp_model.IntVar] = []
    counted: list[int] = []
    for o, person in enumerate(operators):
        mine = [k for k in range(len(shifts)) if (o, k) in take]
        for group in groups:
            mine_here = [take[o, k] for k in group if (o, k) in take]
            if len(mine_here) > 1:
                model.add_at_most_one(mine_here)
        cap = rules.max_weekly_hours
        if person.max_weekly_hours is not None:
            cap = min(cap, person.max_weekly_hours)
        for week in sorted({weeks_of[k] for k in mine}):
            these = [k for k in mine if weeks_of[k] == week]
            slots_before, shifts_before = person.committed.get(week, (0, 0))
            model.add(
                sum(take[o, k] * shifts[k].work_slots for k in these)
                <= max(int(cap * 2) - slots_before, 0)
            )
            model.add(
                sum(take[o, k] for k in these) <= max(rules.max_shifts_per_week - shifts_before, 0)
            )
        worked = model.new_int_var(0, sum(shifts[k].work_slots for k in mine) // unit, f"units{o}")
        model.add(worked == sum(take[o, k] * (shifts[k].work_slots // unit) for k in mine))
        units.append(worked)
        if mine:
            counted.append(o)
    # Operators alike (same availability and cap) are interchangeable: order their hours so the
    # solver does not prove the same roster once per permutation.
    alike: dict[tuple[object, ...], list[int]] = {}
    for o, person in enumerate(operators):
        alike.setdefault(person.signature(), []).append(o)
    for members in alike.values():
        for first, second in pairwise(members):
            model.add(units[first] >= units[second])
    total = sum(units)
    model.maximize(total)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s / 2
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Assignment([None] * len(shifts), False, time.perf_counter() - started)
    first_optimal = status == cp_model.OPTIMAL
    best = int(solver.objective_value)
    chosen = {pair: solver.value(variable) for pair, variable in take.items()}
    for pair, variable in take.items():
        model.add_hint(variable, chosen[pair])
    model.add(total == best)
    if counted:
        most = model.new_int_var(0, horizon, "most")
        least = model.new_int_var(0, horizon, "least")
        model.add_max_equality(most, [units[o] for o in counted])
        model.add_min_equality(least, [units[o] for o in counted])
        model.add(most - least >= (1 if best % len(counted) else 0))  # equal only if it divides
        model.minimize(most - least)
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = {pair: solver.value(variable) for pair, variable in take.items()}
    operator_of: list[str | None] = [None] * len(shifts)
    for (o, k), value in chosen.items():
        if value:
            operator_of[k] = operators[o].key
    optimal = first_optimal and status == cp_model.OPTIMAL
    return Assignment(operator_of, optimal, time.perf_counter() - started)
