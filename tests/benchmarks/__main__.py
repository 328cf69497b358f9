"""`make bench`: figures, printed (never asserted by the test suite)."""

from __future__ import annotations

import time

import numpy as np

from scheduling import erlang
from tests.benchmarks import billing, forecast, inbox, shifts
from tests.benchmarks import reports as report_speed
from tests.services import detect


def timed(label: str, runs: int, work: object) -> None:
    """Best wall-clock and CPU time of `runs` runs (CPU time is what a busy machine cannot inflate)."""
    best = cpu = float("inf")
    for _ in range(runs):
        start, started_cpu = time.perf_counter(), time.process_time()
        work()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - started_cpu)
    print(f"{label}: best of {runs}: {best * 1000:.1f} ms ({cpu * 1000:.1f} ms CPU)")


def main() -> None:
    rng = np.random.default_rng(1999)
    loads = rng.uniform(0.5, 120, 336 * 100)  # a week of half hours for 100 queues
    agents = np.ceil(loads).astype(int) + rng.integers(0, 10, loads.size)
    timed(
        "Erlang C probability of waiting, 33,600 cases (vectorised)",
        5,
        lambda: erlang.erlang_c(loads, agents),
    )
    offered = rng.uniform(5, 400, 336)
    timed(
        "Erlang A agents for 98 % answered, 336 intervals of one queue, one at a time",
        3,
        lambda: [erlang.agents_for_answer_rate(o, 1800, 184, 120) for o in offered],
    )
    week_of_100_queues = rng.uniform(5, 400, 336 * 100)
    aht = np.repeat(rng.uniform(120, 300, 100), 336)
    patience = np.repeat(rng.uniform(60, 300, 100), 336)
    timed(
        "Erlang A agents for 98 % answered, 33,600 cases (336 intervals × 100 queues, vectorised)",
        7,
        lambda: erlang.agents_for_answer_rates(week_of_100_queues, 1800, aht, patience),
    )
    timed(
        "Erlang A at 50,000 Erlangs, one case",
        3,
        lambda: erlang.erlang_a(50_000 / 184, 184, 120, 49_100),
    )


if __name__ == "__main__":
    main()
    forecast.main()
    billing.main()
    shifts.main()
    if detect().postgres_admin_url:
        inbox.main()
        report_speed.main()
    else:
        print("inbox and reports: skipped (need PostgreSQL on 127.0.0.1:5432)")
