"""Shifts for the last week of January 1999 (anonbank), rostered onto 24 operators."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from scheduling import erlang, measures
from scheduling.assignment import Candidate, assign
from scheduling.backtest import same_slot
from scheduling.forecast import WEIGHTS, IntervalEstimates
from scheduling.importers import ImportSummary, parse_anonbank
from scheduling.pooled_shifts import choose_shifts_for_answer_rate
from scheduling.shifts import choose_shifts
from tests.benchmarks.forecast import DATA, anonbank_series

FIRST_DAY = 24  # 1999-01-25, the day the plan of the README starts


def week_forecast() -> tuple[list[float], float, float]:
    tz = ZoneInfo("Asia/Jerusalem")
    before = datetime(1999, 1, 25, tzinfo=tz)
    answered = abandoned = handled = waited = 0
    with (DATA / "anonbank_1999_01_january.txt").open() as lines:
        for call in parse_anonbank(lines, tz, ImportSummary()):
            if call.arrived >= before:
                continue
            waited += call.wait_s
            if call.outcome == "answered":
                answered, handled = answered + 1, handled + call.handle_s
            else:
                abandoned += 1
    aht, patience = handled / answered, waited / abandoned
    forecast = same_slot(WEIGHTS)(anonbank_series(), FIRST_DAY * 48)
    return [float(f) for f in forecast], aht, patience


def week_judge(aht: float, patience: float) -> tuple[float, Callable[[list[int]], str]]:
    """Perfect knowledge of the week's true counts (agent-hours), and a judge of any coverage:
    paid ÷ perfect and the answer rate replayed on the true counts."""
    true = anonbank_series().values[FIRST_DAY * 48 : (FIRST_DAY + 7) * 48]
    found = IntervalEstimates(np.full(true.size, aht), np.full(true.size, patience))
    perfect = sum(measures.perfect_knowledge(list(true), found, 0.98)) / 2

    def judge(coverage: list[int]) -> str:
        replayed = measures.replay(list(true), coverage, found, seed=1)
        paid = sum(coverage) / 2
        return (
            f"paid ÷ perfect knowledge ({perfect:.1f} agent-hours) {paid / perfect:.4f}, "
            f"answered {replayed.answer_rate * 100:.2f} % of {int(true.sum())} true calls"
        )

    return perfect, judge


def main() -> None:
    forecast, aht, patience = week_forecast()
    _perfect, judge = week_judge(aht, patience)
    requirement = [int(n) for n in erlang.agents_for_answer_rates(forecast, 1800, aht, patience)]
    operators = 24
    plan = choose_shifts(requirement, operators_per_day=[operators] * 7, max_paid_hours=960)
    print(
        f"Shifts, anonbank 1999-01-25 week ({len(requirement)} half hours, {operators} operators): "
        f"{'proven optimal' if plan.optimal else 'NOT proven optimal'} in {plan.seconds:.2f} s; "
        f"paid {plan.paid_hours:.1f} h ÷ required {plan.required_hours:.1f} agent-hours = "
        f"{plan.paid_hours / plan.required_hours:.4f}"
    )
    print(f"  every half hour at 98 %: {judge(plan.coverage)}")
    people = [Candidate(f"op{i}", frozenset(range(len(requirement)))) for i in range(operators)]
    roster = assign(plan.shifts, people, len(requirement))
    hours = roster.hours_by_operator(plan.shifts).values()
    print(
        f"  roster onto {operators} operators: "
        f"{'proven optimal' if roster.optimal else 'best found'} in {roster.seconds:.2f} s, "
        f"{roster.unassigned} shifts unassigned, {min(hours):.0f}–{max(hours):.0f} h each"
    )
    pooled = choose_shifts_for_answer_rate(
        forecast, 1800, aht, patience, 0.98, operators_per_day=[operators] * 7
    )
    print(
        f"  for 98 % over the week instead of every half hour: "
        f"{'proven optimal' if pooled.optimal else 'NOT proven optimal'} in {pooled.seconds:.2f} s; "
        f"paid {pooled.paid_hours:.1f} h"
    )
    print(f"  98 % over the week: {judge(pooled.coverage)}")
    # A roster of real dates: the week does not wrap round (a shift of the last evening runs into
    # the next week and is paid here; nothing of the week before is carried in).
    dated = choose_shifts(
        requirement, operators_per_day=[operators] * 7, max_paid_hours=960, wrap=False
    )
    print(f"  dated week, every half hour: paid {dated.paid_hours:.1f} h, {judge(dated.coverage)}")
    dated_pooled = choose_shifts_for_answer_rate(
        forecast, 1800, aht, patience, 0.98, operators_per_day=[operators] * 7, wrap=False
    )
    print(
        f"  dated week, 98 % over the week: paid {dated_pooled.paid_hours:.1f} h, "
        f"{judge(dated_pooled.coverage)}"
    )
