"""Erlang B, C and A: textbook values, agreement with 50-digit arithmetic, any load, staffing."""

from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np
import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling import erlang


def test_textbook_values() -> None:
    assert erlang.erlang_b([10], [10])[0] == pytest.approx(0.2145823, abs=1e-7)
    assert erlang.erlang_c([10], [12])[0] == pytest.approx(0.4493882, abs=1e-7)
    assert erlang.erlang_c([12], [10])[0] == 1.0  # overloaded: everyone waits


def test_vectorised_over_many_cases() -> None:
    loads = np.linspace(1, 200, 336 * 10)
    agents = np.ceil(loads).astype(int) + 5
    blocking = erlang.erlang_b(loads, agents)
    assert blocking.shape == (3360,)
    assert np.all((blocking > 0) & (blocking < 1))


def exact_erlang_a(arrival: float, aht: float, patience: float, n: int) -> mpmath.mpf:
    """The same chain summed with 50 significant digits."""
    mpmath.mp.dps = 50
    lam, mu, theta = mpmath.mpf(arrival), 1 / mpmath.mpf(aht), 1 / mpmath.mpf(patience)
    term, total, queued = mpmath.mpf(1), mpmath.mpf(1), mpmath.mpf(0)
    for k in range(1, n + 1):
        term *= lam / (k * mu)
        total += term
    j = 0
    while True:
        j += 1
        term *= lam / (n * mu + j * theta)
        total += term
        queued += j * term
        if lam < n * mu + j * theta and term < total * mpmath.mpf("1e-45"):
            break
    return queued * theta / lam / total


@pytest.mark.parametrize("load", [0.5, 3, 12.5, 40, 150])
@pytest.mark.parametrize("extra_agents", [-3, 0, 2, 8])
@pytest.mark.parametrize("patience", [30, 120, 600])
def test_erlang_a_agrees_with_high_precision(
    load: float, extra_agents: int, patience: float
) -> None:
    aht = 180.0
    n = max(1, math.ceil(load) + extra_agents)
    arrival = load / aht
    ours = erlang.erlang_a(arrival, aht, patience, n)["p_abandon"]
    assert abs(ours - float(exact_erlang_a(arrival, aht, patience, n))) < 1e-9


def test_fifty_thousand_erlangs() -> None:
    result = erlang.erlang_a(50_000 / 184, 184, 120, 50_100)
    assert 0 <= result["p_abandon"] < 0.01
    assert np.isfinite(erlang.erlang_c([50_000], [50_500])[0])


@settings(max_examples=60, deadline=None)
@given(st.floats(1, 300), st.floats(30, 600), st.floats(10, 1800))
def test_more_agents_never_answer_fewer(
    offered_per_hour: float, aht: float, patience: float
) -> None:
    arrival = offered_per_hour / 3600
    rates = [erlang.erlang_a(arrival, aht, patience, n)["answer_rate"] for n in range(1, 12)]
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(rates))


def test_very_patient_callers_wait_as_in_erlang_c() -> None:
    load, n = 20.0, 24
    wait_a = erlang.erlang_a(load / 180, 180, 1e9, n)["p_wait"]
    assert wait_a == pytest.approx(erlang.erlang_c([load], [n])[0], rel=1e-6)


def test_staffing_meets_the_target_with_the_fewest_agents() -> None:
    agents = erlang.agents_for_answer_rate(1000, 1800, 184, 120, 0.98)
    arrival = 1000 / 1800
    assert erlang.erlang_a(arrival, 184, 120, agents)["answer_rate"] >= 0.98
    assert erlang.erlang_a(arrival, 184, 120, agents - 1)["answer_rate"] < 0.98


def test_staff_command(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["scheduling", "staff", "--offered", "1000", "--aht", "184", "--patience", "120"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(erlang.agents_for_answer_rate(1000, 1800, 184, 120))
    bad = app.test_cli_runner().invoke(
        args=["scheduling", "staff", "--offered", "-1", "--aht", "184", "--patience", "120"]
    )
    assert bad.exit_code != 0


@pytest.mark.parametrize("target", [0.5, 0.8, 0.98, 0.995])
def test_many_cases_at_once_match_one_at_a_time(target: float) -> None:
    rng = np.random.default_rng(int(target * 1000))
    offered = np.concatenate([[0.0, 0.01, 1.0, 3000.0], rng.uniform(0, 500, 300)])
    aht = np.concatenate([[180, 180, 30, 184], rng.uniform(30, 900, 300)])
    patience = np.concatenate([[120, 5, 3600, 120], rng.uniform(5, 1800, 300)])
    many = erlang.agents_for_answer_rates(offered, 1800, aht, patience, target)
    one_by_one = [
        erlang.agents_for_answer_rate(o, 1800, h, p, target)
        for o, h, p in zip(offered, aht, patience, strict=True)
    ]
    assert many.tolist() == one_by_one


def test_abandon_rates_agree_with_high_precision() -> None:
    cases = list(itertools.product([0.5, 3, 12.5, 40, 150, 900], [-3, 0, 2, 8], [30, 120, 600]))
    aht = 180.0
    arrival = np.array([load / aht for load, _, _ in cases])
    agents = np.array([max(1, math.ceil(load) + extra) for load, extra, _ in cases])
    patience = np.array([p for _, _, p in cases], dtype=float)
    ours = erlang.abandon_rates(arrival, aht, patience, agents)
    for value, a, n, p in zip(ours, arrival, agents, patience, strict=True):
        exact = exact_erlang_a(float(a), aht, float(p), int(n))
        assert abs(value - float(exact)) <= 1e-9 * max(float(exact), 1e-3)


def test_fifty_thousand_erlangs_at_once() -> None:
    agents = erlang.agents_for_answer_rates([50_000 / 184 * 1800], 1800, 184, 120)
    assert agents[0] == erlang.agents_for_answer_rate(50_000 / 184 * 1800, 1800, 184, 120)


def test_pooled_staffing_meets_the_target_over_all_intervals_with_fewer_agents() -> None:
    offered = np.array([0, 3, 10, 40, 120, 300, 80, 5], dtype=float)
    aht, patience = 180.0, 120.0
    each = erlang.agents_for_answer_rates(offered, 1800, aht, patience)
    pooled = erlang.agents_for_pooled_answer_rate(offered, 1800, aht, patience)
    assert pooled.sum() < each.sum()
    assert (pooled <= each).all()

    def answered(agents: np.ndarray) -> float:
        rates = 1 - erlang.abandon_rates(offered / 1800, aht, patience, agents)
        return float((offered * rates).sum())

    assert answered(pooled) >= 0.98 * offered.sum()
    for i in np.flatnonzero(pooled):  # one agent fewer anywhere misses the target
        fewer = pooled.copy()
        fewer[i] -= 1
        assert answered(fewer) < 0.98 * offered.sum()
