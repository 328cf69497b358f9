"""Forecast methods on a series of half hours, and their rolling-origin backtest (WAPE, MASE).

A method forecasts one season (a week of slots) from everything before `start`. The backtest
moves the origin a week at a time over the last weeks of the history, forecasts the week after
each origin and compares: WAPE = Σ|error| ÷ Σ actual; MASE = mean |error| ÷ mean |error of
seasonal naive| (the same slot a week before) over the same weeks. Below 1, MASE beats naive.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Series:
    values: FloatArray
    season: int  # slots in a week
    day_slots: int = 48
    first_day: date | None = None  # the calendar day of slot 0, when the series has dates

    def day_of(self, index: int) -> date | None:
        if self.first_day is None:
            return None
        return self.first_day + timedelta(days=index // self.day_slots)


Method = Callable[[Series, int], FloatArray]


def same_slot(weights: Sequence[float]) -> Method:
    """A weighted mean of the same slot in the weeks before; weeks before the series are left out."""

    def forecast(series: Series, start: int) -> FloatArray:
        y, week = series.values, series.season
        known = [
            (w, y[start - i * week : start - (i - 1) * week])
            for i, w in enumerate(weights, 1)
            if start - i * week >= 0
        ]
        total = sum(w for w, _ in known)
        if not total:
            return np.zeros(week)
        return np.asarray(sum(w * values for w, values in known) / total, dtype=np.float64)

    return forecast


@dataclass
class Backtest:
    wape: float
    mase: float
    weeks: int
    forecasts: list[FloatArray] = field(default_factory=list)
    actuals: list[FloatArray] = field(default_factory=list)

    def scaled_residuals(self) -> FloatArray:
        """(actual − forecast) ÷ √max(forecast, 1): roughly one spread for quiet and busy slots."""
        if not self.forecasts:
            return np.zeros(0)
        f, a = np.concatenate(self.forecasts), np.concatenate(self.actuals)
        return np.asarray((a - f) / np.sqrt(np.maximum(f, 1.0)), dtype=np.float64)


def rolling_origin(series: Series, method: Method, origins: Sequence[int]) -> Backtest:
    """Forecast the week after each origin (each with at least one week before it)."""
    y, week = series.values, series.season
    absolute, actual, naive, forecasts = [], [], [], []
    for start in origins:
        if start < week or start + week > len(y):
            continue
        truth = y[start : start + week]
        predicted = method(series, start)
        forecasts.append(predicted)
        actual.append(truth)
        absolute.append(np.abs(predicted - truth))
        naive.append(np.abs(truth - y[start - week : start]))
    if not actual:
        return Backtest(float("nan"), float("nan"), 0)
    a, t, n = np.concatenate(absolute), np.concatenate(actual), np.concatenate(naive)
    wape = float(a.sum() / t.sum()) if t.sum() else float("nan")
    mase = float(a.mean() / n.mean()) if n.mean() else float("nan")
    return Backtest(wape, mase, len(actual), forecasts, actual)


def last_origins(length: int, season: int, weeks: int, first_week: int = 1) -> list[int]:
    """The starts of the last `weeks` whole weeks of a series, each with `first_week` weeks before."""
    starts = range(first_week * season, length - season + 1, season)
    return list(starts)[-weeks:]
