"""Queueing formulas for staffing: Erlang C (callers wait forever) and Erlang A (callers abandon).

No factorials and no powers: Erlang B comes from its recursion `B(k) = aB(k-1) / (k + aB(k-1))`,
vectorised over many cases at once, and Erlang A (M/M/n+M) from the birth-and-death chain summed
in log space, so 50,000 Erlangs is as safe as 5.

Notation: `a` offered load in Erlangs (arrival rate × mean handling time), `n` agents, `aht` mean
handling time, `patience` callers' mean patience (abandonment rate θ = 1/patience).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def erlang_b(a: ArrayLike, n: ArrayLike) -> FloatArray:
    """Blocking probability of M/M/n/n for each (a, n), elementwise."""
    loads = np.atleast_1d(np.asarray(a, dtype=np.float64))
    agents = np.atleast_1d(np.asarray(n, dtype=np.int64))
    loads, agents = np.broadcast_arrays(loads, agents)
    blocking = np.ones(loads.shape, dtype=np.float64)
    for k in range(1, int(agents.max(initial=0)) + 1):
        step = loads * blocking / (k + loads * blocking)
        blocking = np.where(k <= agents, step, blocking)
    return blocking


def erlang_c(a: ArrayLike, n: ArrayLike) -> FloatArray:
    """Probability that a caller waits (M/M/n); 1 where the load meets or passes the agents."""
    loads = np.atleast_1d(np.asarray(a, dtype=np.float64))
    agents = np.atleast_1d(np.asarray(n, dtype=np.float64))
    blocking = erlang_b(loads, agents.astype(np.int64))
    with np.errstate(divide="ignore", invalid="ignore"):
        waiting = agents * blocking / (agents - loads * (1 - blocking))
    return np.where(agents > loads, waiting, 1.0)


def service_level_c(a: ArrayLike, n: ArrayLike, aht: float, threshold_s: float) -> FloatArray:
    """Erlang C share of callers answered within `threshold_s`."""
    loads = np.atleast_1d(np.asarray(a, dtype=np.float64))
    agents = np.atleast_1d(np.asarray(n, dtype=np.float64))
    waiting = erlang_c(loads, agents)
    level = 1 - waiting * np.exp(-(agents - loads) * threshold_s / aht)
    return np.where(agents > loads, level, 0.0)


def _log_terms(arrival: float, aht: float, patience: float, n: int) -> FloatArray:
    """log π_k up to normalisation, k = 0 … n + tail, until the tail is 1e-30 of the peak."""
    a = arrival * aht
    head = np.zeros(n + 1)
    if n:
        head[1:] = np.cumsum(math.log(a) - np.log(np.arange(1, n + 1))) if a > 0 else -np.inf
    mu, theta = 1 / aht, 1 / patience
    tail: list[float] = []
    last, peak = head[-1], head.max()
    j = 0
    while True:
        j += 1
        last += math.log(arrival) - math.log(n * mu + j * theta) if arrival > 0 else -math.inf
        tail.append(last)
        peak = max(peak, last)
        beyond_mode = arrival < n * mu + j * theta
        if (beyond_mode and last < peak - 70) or j > 10_000_000:
            break
    return np.concatenate([head, np.array(tail)])


def erlang_a(arrival_per_s: float, aht: float, patience: float, n: int) -> dict[str, float]:
    """Steady state of M/M/n+M: the share of callers who abandon, wait, and are answered."""
    if arrival_per_s <= 0:
        return {"p_abandon": 0.0, "p_wait": 0.0, "answer_rate": 1.0}
    logs = _log_terms(arrival_per_s, aht, patience, n)
    top = logs.max()
    weights = np.exp(logs - top)
    total = weights.sum()
    queue_lengths = np.arange(len(logs)) - n
    queued = np.clip(queue_lengths, 0, None)
    mean_queue = float((weights * queued).sum() / total)
    p_abandon = mean_queue / patience / arrival_per_s  # abandonment flow ÷ arrival flow
    p_wait = float(weights[n:].sum() / total)
    return {"p_abandon": p_abandon, "p_wait": p_wait, "answer_rate": 1 - p_abandon}


def agents_for_answer_rate(
    offered: float, interval_s: float, aht: float, patience: float, target: float = 0.98
) -> int:
    """The fewest agents whose Erlang A answer rate meets `target` in the interval."""
    if not 0 < target < 1:
        raise ValueError("the target answer rate is between 0 and 1")
    arrival = offered / interval_s
    if arrival <= 0:
        return 0
    low, high = 0, max(1, int(arrival * aht * 2 + 10 * math.sqrt(arrival * aht) + 10))
    while erlang_a(arrival, aht, patience, high)["answer_rate"] < target:
        low, high = high, high * 2
    while low < high:  # answer rate rises with every agent
        middle = (low + high) // 2
        if erlang_a(arrival, aht, patience, middle)["answer_rate"] >= target:
            high = middle
        else:
            low = middle + 1
    return high


def agents_for_service_level(
    offered: float, interval_s: float, aht: float, threshold_s: float, target: float = 0.8
) -> int:
    """The fewest agents whose Erlang C service level meets `target`."""
    a = offered / interval_s * aht
    n = max(1, math.floor(a) + 1)
    while float(service_level_c(a, n, aht, threshold_s)[0]) < target:
        n += 1
    return n
