"""What a plan really achieves on a queue's recorded demand: the replayed answer rate, and the
agent-hours that perfect knowledge of the arrivals would have needed."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime

from scheduling import erlang, forecast, simulation
from scheduling.forecast import SLOT, IntervalEstimates


def recorded_offered(queue: str, starts: Sequence[datetime]) -> list[float]:
    """Offered calls recorded in each interval (0 where none were)."""
    recorded = forecast.offered_between(queue, starts[0], starts[-1] + SLOT)
    by_moment = {moment.timestamp(): value for moment, value in recorded.items()}
    return [by_moment.get(start.timestamp(), 0.0) for start in starts]


def replay(
    offered: Sequence[float],
    agents: Sequence[int],
    found: IntervalEstimates,
    *,
    seed: int = 1,
    sl_threshold_s: float = 20.0,
) -> simulation.SimResult:
    """Replay the recorded counts (arrival times spread within each interval, handling times and
    patience drawn from the interval's estimates) against `agents` on duty per interval."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible replay, not a secret
    interval = SLOT.total_seconds()
    calls = [
        simulation.SimCall(
            index * interval + rng.uniform(0, interval),
            rng.expovariate(1 / float(found.aht_s[index])),
            rng.expovariate(1 / float(found.patience_s[index])),
        )
        for index, count in enumerate(offered)
        for _ in range(int(count))
    ]
    return simulation.simulate(calls, agents, interval, sl_threshold_s)


def perfect_knowledge(
    offered: Sequence[float], found: IntervalEstimates, target: float
) -> list[int]:
    """Agents per interval that Erlang A asks for on the true counts."""
    required = erlang.agents_for_answer_rates(
        offered, SLOT.total_seconds(), found.aht_s, found.patience_s, target
    )
    return [int(n) for n in required]
