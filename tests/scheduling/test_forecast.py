"""Forecast and plan: same-slot averages, estimates from history, a plan CSV that meets 98 %."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask

from scheduling import erlang
from scheduling.forecast import same_slot_average, slots

TOKYO = ZoneInfo("Asia/Tokyo")


def test_same_slot_average_weights_recent_weeks_and_skips_unknown_ones() -> None:
    target = datetime(2026, 11, 30, 10, 0, tzinfo=TOKYO)
    history = {target - timedelta(weeks=1): 30.0, target - timedelta(weeks=2): 50.0}
    assert same_slot_average(history, [target])[target] == (4 * 30 + 3 * 50) / 7
    history[target - timedelta(weeks=3)] = 0.0  # a quiet week we know of counts
    assert same_slot_average(history, [target])[target] == (4 * 30 + 3 * 50) / 9


def test_slots_are_half_hours_in_the_queues_zone() -> None:
    week = slots(date(2026, 11, 30), 7, TOKYO)
    assert len(week) == 336
    assert week[19].isoformat() == "2026-11-30T09:30:00+09:00"


def write_history(path: Path) -> None:
    """Four weeks of weekday mornings: 60 calls between 09:00 and 09:30, half answered in 10 s."""
    lines = ["arrival,outcome,wait_s,handle_s"]
    for day in range(28):
        moment = datetime(2026, 11, 2, 9, 0, tzinfo=TOKYO) + timedelta(days=day)
        if moment.weekday() >= 5:
            continue
        for i in range(60):
            at = (moment + timedelta(seconds=25 * i)).astimezone(UTC).isoformat()
            lines.append(f"{at},answered,10,180" if i % 10 else f"{at},abandoned,40,0")
    path.write_text("\n".join(lines) + "\n")


def test_plan_from_history_meets_the_target(app: Flask, tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    write_history(history)
    runner = app.test_cli_runner()
    assert (
        runner.invoke(
            args=["scheduling", "import-history", "--queue", "q", "--format", "csv", str(history)]
        ).exit_code
        == 0
    )
    output = tmp_path / "plan.csv"
    result = runner.invoke(
        args=[
            "scheduling",
            "plan",
            "--queue",
            "q",
            "--start",
            "2026-11-30",
            "--days",
            "7",
            "--shrinkage",
            "0.2",
            "--output",
            str(output),
        ]
    )
    assert result.exit_code == 0, result.output
    with output.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 336
    monday_nine = next(r for r in rows if r["interval_start"] == "2026-11-30T09:00:00+09:00")
    assert float(monday_nine["forecast_offered"]) == 60.0
    required = int(monday_nine["required_agents"])
    # AHT 180 s; patience by the exponential estimate with censoring: all waiting time
    # (54 answered × 10 s + 6 abandoned × 40 s a day) over the 6 abandons a day.
    patience = (54 * 10 + 6 * 40) / 6
    assert erlang.erlang_a(60 / 1800, 180, patience, required)["answer_rate"] >= 0.98
    assert erlang.erlang_a(60 / 1800, 180, patience, required - 1)["answer_rate"] < 0.98
    assert int(monday_nine["scheduled_agents"]) == -(-required * 10 // 8)  # ÷ (1 − 0.2), up
    saturday = next(r for r in rows if r["interval_start"] == "2026-12-05T09:00:00+09:00")
    assert saturday["required_agents"] == "0"


def test_a_queue_without_history_is_explained(app: Flask, tmp_path: Path) -> None:
    result = app.test_cli_runner().invoke(
        args=[
            "scheduling",
            "plan",
            "--queue",
            "nobody",
            "--start",
            "2026-11-30",
            "--output",
            str(tmp_path / "p.csv"),
        ]
    )
    assert result.exit_code != 0
    assert "no answered calls" in result.output


def test_pooled_plan_needs_no_more_agents(app: Flask, tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    write_history(history)
    runner = app.test_cli_runner()
    runner.invoke(
        args=["scheduling", "import-history", "--queue", "q", "--format", "csv", str(history)]
    )
    totals = []
    for extra in ([], ["--pooled"]):
        output = tmp_path / f"plan{len(extra)}.csv"
        result = runner.invoke(
            args=[
                "scheduling",
                "plan",
                "--queue",
                "q",
                "--start",
                "2026-11-30",
                *extra,
                "--output",
                str(output),
            ]
        )
        assert result.exit_code == 0, result.output
        with output.open() as handle:
            totals.append(sum(int(r["required_agents"]) for r in csv.DictReader(handle)))
    assert 0 < totals[1] <= totals[0]
