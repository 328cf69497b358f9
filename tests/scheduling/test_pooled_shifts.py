"""Shifts chosen for the week's answer rate: the target is met over the week at fewer paid hours."""

from __future__ import annotations

import numpy as np
import pytest

from scheduling import erlang
from scheduling.pooled_shifts import choose_shifts_for_answer_rate
from scheduling.shifts import NoShifts, choose_shifts


def day_of_calls() -> np.ndarray:
    """A working day: a busy morning, a long quiet afternoon and evening, nothing at night."""
    calls = np.zeros(48)
    calls[18:24] = 80  # 09:00–12:00
    calls[24:42] = 4  # 12:00–21:00
    return calls


def test_the_week_target_is_met_with_fewer_paid_hours() -> None:
    calls = day_of_calls()
    aht, patience = 180.0, 120.0
    plan = choose_shifts_for_answer_rate(calls, 1800, aht, patience, 0.98)
    assert plan.optimal
    coverage = np.array(plan.coverage)
    answered = calls * (1 - erlang.abandon_rates(calls / 1800, aht, patience, coverage))
    assert answered.sum() >= 0.98 * calls.sum()
    every_interval = choose_shifts(plan.requirement)
    assert plan.paid_hours < every_interval.paid_hours


def test_too_few_operators_is_explained() -> None:
    with pytest.raises(NoShifts, match="answer rate"):
        choose_shifts_for_answer_rate(day_of_calls(), 1800, 180, 120, 0.98, operators_per_day=[1])
