"""Queueing formulas for staffing: Erlang C (callers wait forever) and Erlang A (callers abandon).

No factorials and no powers: Erlang B comes from its recursion `B(k) = aB(k-1) / (k + aB(k-1))`,
vectorised over many cases at once, and Erlang A (M/M/n+M) from the birth-and-death chain summed
in log space, so 50,000 Erlangs is as safe as 5.

Notation: `a` offered load in Erlangs (arrival rate × mean handling time), `n` agents, `aht` mean
handling time, `patience` callers' mean patience (abandonment rate θ = 1/patience).
"""

from __future__ import annotations

import heapq
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


# --- Erlang A over many cases at once ----------------------------------------------------------
#
# Relative to π_n (the chance that all n agents are busy and nobody waits), the chain sums to
#   H = Σ_{m=0..n} r_m,  r_m = r_{m-1} (n - m + 1) / a      (the agents' side: H = 1 / Erlang B)
#   S0 = Σ_{j≥1} t_j,    t_j = t_{j-1} x / (y + j)           (the queue's side)
# with x = λ·patience and y = n·patience/aht; the mean queue is S1 / (H + S0) with S1 = Σ j·t_j,
# and the share who abandon is θ·E[queue]/λ = S1 / (x (H + S0)). Both series are summed until their
# terms are past their peak and below 1e-17 of the sum, every case in step; only terms near the
# answer are ever summed (n within a few √a of a), so nothing overflows at the loads staffing meets,
# and a case that would (a target far below 1 at a huge load) is handed to the log-space `erlang_a`.

EXACT = 1e-17


def _head(loads: FloatArray, agents: FloatArray, eps: float) -> FloatArray:
    """H = 1/Erlang B per case, summed from n downwards (r_m = r_{m-1}·(n-m+1)/a)."""
    total = np.ones_like(loads)
    where = np.arange(loads.size)
    inverse, left = 1 / loads, agents.copy()
    term, sums, factor = np.ones_like(loads), np.ones_like(loads), np.empty_like(loads)
    step = 0
    while where.size:
        step += 1
        np.multiply(left, inverse, out=factor)
        term *= factor
        sums += term
        left -= 1
        np.maximum(left, 0, out=left)  # past r_n every term is 0
        if step % 8 == 0:
            done = (left <= 0) | ((factor < 1) & (term < eps * sums))
            if done.any():
                total[where[done]] = sums[done]
                keep = ~done
                where, inverse, left, term, sums = (
                    where[keep],
                    inverse[keep],
                    left[keep],
                    term[keep],
                    sums[keep],
                )
                factor = np.empty_like(term)
    return total


def _tail(x: FloatArray, y: FloatArray, eps: float) -> tuple[FloatArray, FloatArray]:
    """S0 = Σ t_j and S1 = Σ j·t_j per case, t_j = t_{j-1}·x/(y+j)."""
    out0, out1 = np.zeros_like(x), np.zeros_like(x)
    where = np.arange(x.size)
    xs, ys = x.copy(), y.copy()
    term, s0, s1 = np.ones_like(x), np.zeros_like(x), np.zeros_like(x)
    factor, scratch = np.empty_like(x), np.empty_like(x)
    j = 0
    while where.size:
        j += 1
        ys += 1
        np.divide(xs, ys, out=factor)
        term *= factor
        s0 += term
        np.multiply(term, j, out=scratch)
        s1 += scratch
        if j % 8 == 0:
            done = (factor < 1) & (scratch < eps * (1 + s1))
            if done.any():
                out0[where[done]], out1[where[done]] = s0[done], s1[done]
                keep = ~done
                where, xs, ys, term, s0, s1 = (
                    where[keep],
                    xs[keep],
                    ys[keep],
                    term[keep],
                    s0[keep],
                    s1[keep],
                )
                factor, scratch = np.empty_like(term), np.empty_like(term)
    return out0, out1


def abandon_rates(
    arrival_per_s: ArrayLike,
    aht: ArrayLike,
    patience: ArrayLike,
    n: ArrayLike,
    *,
    eps: float = EXACT,
) -> FloatArray:
    """Erlang A share of callers who abandon, for every case (arrays broadcast together).

    With a coarse `eps` (1e-4 and above) the sums run in single precision, twice as fast."""
    kind = np.float32 if eps >= 1e-4 else np.float64
    arrival, handle, wait, agents = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(v, dtype=kind)) for v in (arrival_per_s, aht, patience, n))
    )
    shape = arrival.shape
    arrival, handle, wait, agents = (v.ravel() for v in (arrival, handle, wait, agents))
    result = np.zeros(arrival.size, dtype=np.float64)
    busy = np.flatnonzero(arrival > 0)
    if busy.size:
        lam, mu_s, th_s, k = arrival[busy], handle[busy], wait[busy], agents[busy]
        with np.errstate(over="ignore", invalid="ignore"):
            head = _head(lam * mu_s, k, eps)
            s0, s1 = _tail(lam * th_s, k * th_s / mu_s, eps)
            rates = s1 / (lam * th_s * (head + s0))
        bad = np.flatnonzero(~np.isfinite(rates))
        for i in bad:  # beyond float range: the log-space chain
            rates[i] = erlang_a(float(lam[i]), float(mu_s[i]), float(th_s[i]), int(k[i]))[
                "p_abandon"
            ]
        result[busy] = rates
    return result.reshape(shape)


def agents_for_answer_rates(
    offered: ArrayLike,
    interval_s: float,
    aht: ArrayLike,
    patience: ArrayLike,
    target: float = 0.98,
) -> NDArray[np.int64]:
    """`agents_for_answer_rate` for many cases at once: the fewest agents per case whose Erlang A
    answer rate meets `target`.

    A bisection with coarse sums (cut at 1e-4, in single precision) finds each case's answer from
    a first guess of target·a + √a; where the coarse answer rates at the answer or one agent below
    lie within a hair of the target, the exact sums check them and walk to the exact answer.
    """
    if not 0 < target < 1:
        raise ValueError("the target answer rate is between 0 and 1")
    calls, handle, wait = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (offered, aht, patience))
    )
    calls, handle, wait = calls.ravel(), handle.ravel(), wait.ravel()
    result = np.zeros(calls.size, dtype=np.int64)
    busy = np.flatnonzero(calls > 0)
    if not busy.size:
        return result
    arrival, handle, wait = calls[busy] / interval_s, handle[busy], wait[busy]
    loads = arrival * handle

    def rate(rows: NDArray[np.int64], agents: FloatArray, eps: float) -> FloatArray:
        return 1 - abandon_rates(arrival[rows], handle[rows], wait[rows], agents, eps=eps)

    everyone = np.arange(busy.size)
    # n agents answer less than n/a of the callers (they carry under n of a Erlangs), so up to
    # target·a agents never reach the target.
    low = np.floor(target * loads)
    low_rate = np.full(busy.size, -np.inf)
    high = np.maximum(np.ceil(target * loads + np.sqrt(loads)), low + 1)
    high_rate = rate(everyone, high, 1e-4)
    short = np.flatnonzero(high_rate < target)
    low[short], low_rate[short] = high[short], high_rate[short]
    high[short] += np.ceil(2 * np.sqrt(loads[short]) + 3)
    while short.size:
        high_rate[short] = rate(short, high[short], 1e-4)
        failed = high_rate[short] < target
        again = short[failed]
        low[again], low_rate[again] = high[again], high_rate[again]
        high[again] = 2 * high[again]
        short = again
    active = np.flatnonzero(high - low > 1)
    while active.size:
        middle = (low[active] + high[active]) // 2
        found = rate(active, middle, 1e-4)
        ok = found >= target
        high[active] = np.where(ok, middle, high[active])
        high_rate[active] = np.where(ok, found, high_rate[active])
        low[active] = np.where(ok, low[active], middle)
        low_rate[active] = np.where(ok, low_rate[active], found)
        active = active[high[active] - low[active] > 1]
    # The coarse sums err by far less than this; closer calls are settled exactly.
    hair = 1e-3 * (1 - target) + 1e-6
    up = np.flatnonzero(high_rate - target < hair)
    while up.size:
        up = up[rate(up, high[up], EXACT) < target]
        high[up] += 1
    down = np.flatnonzero((target - low_rate < hair) & (high > 0))
    while down.size:
        down = down[rate(down, high[down] - 1, EXACT) >= target]
        high[down] -= 1
        down = down[high[down] > 0]
    result[busy] = high.astype(np.int64)
    return result


def agents_for_pooled_answer_rate(
    offered: ArrayLike,
    interval_s: float,
    aht: ArrayLike,
    patience: ArrayLike,
    target: float = 0.98,
) -> NDArray[np.int64]:
    """The fewest agents over all intervals whose expected answer rate over them together (calls
    answered ÷ calls offered, as the week's report counts) meets `target`.

    Each next agent goes where they answer the most expected calls; the answer rate of an
    interval rises by less with every agent added, so this greedy choice is the optimum. It never
    needs more agents than meeting `target` in every interval, and usually fewer: busy intervals
    give more answered calls per agent than quiet ones."""
    if not 0 < target < 1:
        raise ValueError("the target answer rate is between 0 and 1")
    calls, handle, wait = (
        np.array(v, dtype=np.float64)
        for v in np.broadcast_arrays(
            *(np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (offered, aht, patience))
        )
    )
    ceiling = agents_for_answer_rates(calls, interval_s, handle, wait, target)
    width = int(ceiling.max(initial=0)) + 1
    counts = np.arange(width, dtype=np.float64)
    arrivals = np.repeat(calls[:, None] / interval_s, width, axis=1)
    answered = calls[:, None] * (
        1
        - abandon_rates(
            arrivals, handle[:, None], wait[:, None], np.broadcast_to(counts, arrivals.shape)
        )
    )
    agents = np.zeros(calls.size, dtype=np.int64)
    total, goal = float(answered[:, 0].sum()), target * float(calls.sum())
    queue = [(-(answered[i, 1] - answered[i, 0]), i) for i in range(calls.size) if ceiling[i] > 0]
    heapq.heapify(queue)
    while total < goal and queue:
        gain, i = heapq.heappop(queue)
        agents[i] += 1
        total -= gain
        if agents[i] < ceiling[i]:
            step = agents[i]
            heapq.heappush(queue, (-(answered[i, step + 1] - answered[i, step]), i))
    return agents
