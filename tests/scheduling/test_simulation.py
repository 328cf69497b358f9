"""The replay agrees with Erlang A on stationary cases, and replays a plan against history."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from flask import Flask

from scheduling.erlang import erlang_a
from scheduling.simulation import SimCall, poisson_calls, simulate
from tests.scheduling.test_forecast import write_history


@pytest.mark.parametrize(
    ("calls_per_30_min", "aht", "patience", "agents"),
    [(100, 180, 120, 12), (40, 300, 60, 7), (250, 150, 300, 22)],
)
def test_agrees_with_erlang_a_within_a_third_of_a_point(
    calls_per_30_min: int, aht: float, patience: float, agents: int
) -> None:
    rate = calls_per_30_min / 1800
    days = 12
    calls = poisson_calls(rate, days * 86400, aht, patience, random.Random(calls_per_30_min))
    result = simulate(calls, [agents] * (days * 48), 1800)
    expected = erlang_a(rate, aht, patience, agents)["answer_rate"]
    assert abs(result.answer_rate - expected) < 0.003


def test_callers_wait_in_order_and_hang_up_when_patience_ends() -> None:
    calls = [SimCall(0, 100, 50), SimCall(1, 100, 50), SimCall(2, 100, 200)]
    result = simulate(calls, [1], 1800)
    # The first is answered at once; the second gives up at 51 s; the third waits until 100 s.
    assert (result.answered, result.abandoned) == (2, 1)
    assert result.asa == pytest.approx(49.0)
    assert result.answered_within_sl == 1


def test_nobody_on_duty_answers_nobody() -> None:
    assert simulate([SimCall(10, 60, 60)], [0], 1800).abandoned == 1


def test_simulate_command_replays_a_plan(app: Flask, tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    write_history(history)
    runner = app.test_cli_runner()
    runner.invoke(
        args=["scheduling", "import-history", "--queue", "q", "--format", "csv", str(history)]
    )
    plan = tmp_path / "plan.csv"
    runner.invoke(
        args=[
            "scheduling",
            "plan",
            "--queue",
            "q",
            "--start",
            "2026-11-23",
            "--days",
            "7",
            "--output",
            str(plan),
        ]
    )
    result = runner.invoke(args=["scheduling", "simulate", "--queue", "q", "--plan", str(plan)])
    assert result.exit_code == 0, result.output
    assert "Replayed 300 calls" in result.output  # the five mornings of that week, 60 offered each
    bad = tmp_path / "bad.csv"
    bad.write_text("when,agents\n")
    assert (
        runner.invoke(args=["scheduling", "simulate", "--queue", "q", "--plan", str(bad)]).exit_code
        != 0
    )
