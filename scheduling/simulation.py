"""A discrete-event replay of calls against a staffing plan: what answer rate, service level and ASA
the plan really achieves. Callers are served first come, first served by the agents on duty; a
caller whose patience runs out before an agent is free hangs up. An agent finishing a call after
their interval ends still finishes it; agents come and go only between calls."""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SimCall:
    arrival: float  # seconds from the start of the replay
    handle: float
    patience: float


@dataclass(frozen=True)
class SimResult:
    offered: int
    answered: int
    abandoned: int
    answered_within_sl: int
    total_wait_answered: float

    @property
    def answer_rate(self) -> float:
        return self.answered / self.offered if self.offered else 1.0

    @property
    def service_level(self) -> float:
        return self.answered_within_sl / self.offered if self.offered else 1.0

    @property
    def asa(self) -> float:
        return self.total_wait_answered / self.answered if self.answered else 0.0


def simulate(
    calls: Sequence[SimCall], agents: Sequence[int], interval_s: float, sl_threshold_s: float = 20.0
) -> SimResult:
    """Replay `calls` with `agents[k]` agents on duty in interval k (of `interval_s` seconds)."""

    def on_duty(t: float) -> int:
        index = int(t // interval_s)
        return agents[index] if 0 <= index < len(agents) else 0

    arrivals = sorted(calls, key=lambda c: c.arrival)
    boundaries = [k * interval_s for k in range(1, len(agents) + 1)]
    busy: list[float] = []  # end times of calls in progress (a heap)
    queue: deque[SimCall] = deque()
    answered = abandoned = within = 0
    wait_total = 0.0
    i = b = 0
    while True:
        next_arrival = arrivals[i].arrival if i < len(arrivals) else math.inf
        next_done = busy[0] if busy else math.inf
        next_boundary = boundaries[b] if b < len(boundaries) else math.inf
        now = min(next_arrival, next_done, next_boundary)
        if now == math.inf:
            break
        if now == next_done:
            heapq.heappop(busy)
        elif now == next_boundary:
            b += 1
        else:
            queue.append(arrivals[i])
            i += 1
        while queue and len(busy) < on_duty(now):
            caller = queue.popleft()
            if caller.arrival + caller.patience < now:
                abandoned += 1  # gave up while waiting
                continue
            wait = now - caller.arrival
            answered += 1
            wait_total += wait
            within += int(wait <= sl_threshold_s)
            heapq.heappush(busy, now + caller.handle)
    abandoned += len(queue)  # nobody was left to answer them
    return SimResult(len(arrivals), answered, abandoned, within, wait_total)


def poisson_calls(
    rate_per_s: float, duration_s: float, aht: float, patience: float, rng: random.Random
) -> list[SimCall]:
    """Stationary arrivals with exponential handling times and patience."""
    calls: list[SimCall] = []
    t = 0.0
    while True:
        t += rng.expovariate(rate_per_s)
        if t >= duration_s:
            return calls
        calls.append(SimCall(t, rng.expovariate(1 / aht), rng.expovariate(1 / patience)))
