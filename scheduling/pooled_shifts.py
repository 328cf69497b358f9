"""Shifts of the fewest paid hours whose expected answer rate over the whole week meets the target.

Covering a per-half-hour requirement pays for shift granularity twice: the requirement already
holds each interval at the target, and shifts then add operators where their length forces it.
Here the shifts themselves are chosen against the week's expected answered calls: each interval
with c operators answers `answered[c]` calls (Erlang A), the k-th operator of an interval adds
`answered[k] - answered[k-1]`, less with every k (so the solver takes them in order), and the
answered calls summed over the week must reach the target share of the forecast. CP-SAT then
finds the cheapest shifts, operators added by shift length where they help most.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from ortools.sat.python import cp_model

from scheduling import erlang
from scheduling.shifts import (
    DEFAULT_PATTERNS,
    LabourRules,
    NoShifts,
    Pattern,
    Shift,
    ShiftPlan,
    at_most_available,
    candidates,
    coverage_of,
    fewest_paid_hours,
    in_horizon,
    validate_patterns,
)

SCALE = 1000  # answered calls counted in thousandths, rounded down: the target is never overstated


@dataclass(frozen=True)
class AnswerRateGoal:
    """What a roster for the week's answer rate is sized against: calls forecast per interval,
    their handling time and patience, and the target over the whole week."""

    offered: Sequence[float]
    interval_s: float
    aht: Sequence[float]
    patience: Sequence[float]
    target: float = 0.98


def choose_shifts_for_answer_rate(
    offered: ArrayLike,
    interval_s: float,
    aht: ArrayLike,
    patience: ArrayLike,
    target: float = 0.98,
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
    """The cheapest shifts whose expected answered calls reach `target` of the offered calls.

    The plan's `requirement` is what meeting `target` in every interval would ask (for
    comparison); its coverage is what the shifts put on the phones. `allowed`,
    `available_per_slot`, `carried` and `wrap` mean what they mean to `choose_shifts`: only
    shifts someone can work, no more operators in a slot than can work it, operators already on
    duty from the week before, and whether the week repeats."""
    rules = rules or LabourRules()
    validate_patterns(patterns, rules)
    started = time.perf_counter()
    calls, handle, wait = (
        np.array(v, dtype=np.float64)
        for v in np.broadcast_arrays(
            *(np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (offered, aht, patience))
        )
    )
    ceiling = erlang.agents_for_answer_rates(calls, interval_s, handle, wait, target)
    requirement = [int(n) for n in ceiling]
    horizon = len(requirement)
    already = [int(c) for c in carried] if carried is not None else [0] * horizon
    room = [n + 2 if n else 0 for n in requirement]  # a shift may put a few more on
    if available_per_slot is not None:  # nobody beyond those who can work the slot
        room = [
            min(n, have + can) if n else 0
            for n, have, can in zip(room, already, available_per_slot, strict=True)
        ]
    own_room = [max(n - have, 0) for n, have in zip(room, already, strict=True)]
    options = candidates(own_room, patterns, rules, allowed, wrap=wrap)
    width = max(room) + 1
    counts_axis = np.arange(width, dtype=np.float64)
    arrivals = np.repeat(calls[:, None] / interval_s, width, axis=1)
    answered = calls[:, None] * (
        1
        - erlang.abandon_rates(
            arrivals, handle[:, None], wait[:, None], np.broadcast_to(counts_axis, arrivals.shape)
        )
    )
    model = cp_model.CpModel()
    counts = [model.new_int_var(0, max(room), f"n{i}") for i in range(len(options))]
    covering: list[list[int]] = [[] for _ in range(horizon)]
    for index, shift in enumerate(options):
        for slot in in_horizon(shift, horizon, wrap):
            covering[slot].append(index)
    if available_per_slot is not None:
        at_most_available(model, counts, options, available_per_slot, wrap)
    gained = []
    for slot in range(horizon):
        if not room[slot]:
            continue
        steps = [model.new_bool_var(f"s{slot}_{k}") for k in range(1, room[slot] + 1)]
        model.add(sum(steps) <= sum(counts[i] for i in covering[slot]) + already[slot])
        for k, step in enumerate(steps, 1):
            gain = math.floor((answered[slot, k] - answered[slot, k - 1]) * SCALE)
            gained.append(gain * step)
    goal = math.ceil((target * calls.sum() - answered[:, 0].sum()) * SCALE)
    model.add(sum(gained) >= goal)
    solver, optimal = fewest_paid_hours(
        model, counts, options, operators_per_day, max_paid_hours, time_limit_s
    )
    if solver is None:
        raise NoShifts("no set of shifts reaches the answer rate within the limits")
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
