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


def same_day_type(weights: Sequence[float], is_holiday: Callable[[date], bool]) -> Method:
    """Like `same_slot`, by day type: a holiday is forecast like a Sunday (from the last Sundays
    and holidays), and a working day from the last same weekdays that were not holidays."""
    fallback = same_slot(weights)

    def kind(day: date) -> int:
        return 6 if is_holiday(day) else day.weekday()

    def forecast(series: Series, start: int) -> FloatArray:
        if series.first_day is None or start % series.day_slots:
            return fallback(series, start)
        y, width = series.values, series.day_slots
        result = np.zeros(series.season)
        first_target = start // width
        for k in range(series.season // width):
            wanted = kind(series.first_day + timedelta(days=first_target + k))
            picks: list[int] = []
            day = first_target - 1
            while (
                day >= 0
                and len(picks) < len(weights)
                and first_target - day <= 7 * (len(weights) + 2)
            ):
                if kind(series.first_day + timedelta(days=day)) == wanted:
                    picks.append(day)
                day -= 1
            if picks:
                used = weights[: len(picks)]
                rows = [y[d * width : (d + 1) * width] for d in picks]
                result[k * width : (k + 1) * width] = sum(
                    w * r for w, r in zip(used, rows, strict=True)
                ) / sum(used)
        return result

    return forecast


@dataclass
class Backtest:
    wape: float
    mase: float
    weeks: int
    forecasts: list[FloatArray] = field(default_factory=list)
    actuals: list[FloatArray] = field(default_factory=list)

    def scaled_residuals(self) -> FloatArray:
        """(actual − forecast) ÷ √max(forecast, 1): roughly one spread for quiet and busy slots.
        Slots with neither calls nor a forecast (closed hours) say nothing and are left out."""
        if not self.forecasts:
            return np.zeros(0)
        f, a = np.concatenate(self.forecasts), np.concatenate(self.actuals)
        open_slots = (f > 0) | (a > 0)
        f, a = f[open_slots], a[open_slots]
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
