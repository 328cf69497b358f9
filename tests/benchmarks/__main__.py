"""`make bench`: figures, printed (never asserted by the test suite)."""

from __future__ import annotations

import time

import numpy as np

from scheduling import erlang
from tests.benchmarks import forecast
from tests.benchmarks import reports as report_speed


def timed(label: str, runs: int, work: object) -> None:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    print(f"{label}: best of {runs}: {best * 1000:.1f} ms")


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
        "Erlang A agents for 98 % answered, 336 intervals of one queue",
        3,
        lambda: [erlang.agents_for_answer_rate(o, 1800, 184, 120) for o in offered],
    )
    timed(
        "Erlang A at 50,000 Erlangs, one case",
        3,
        lambda: erlang.erlang_a(50_000 / 184, 184, 120, 49_100),
    )


if __name__ == "__main__":
    main()
    forecast.main()
    report_speed.main()
