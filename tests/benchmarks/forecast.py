"""One-week-ahead forecast errors on the shared call-centre data (WAPE and MASE)."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from scheduling.forecast import WEIGHTS
from scheduling.importers import ImportSummary, parse_anonbank

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
Method = Callable[[np.ndarray, int, int], np.ndarray]


def anonbank_series() -> tuple[np.ndarray, int]:
    tz = ZoneInfo("Asia/Jerusalem")
    counts: dict[datetime, float] = defaultdict(float)
    with (DATA / "anonbank_1999_01_january.txt").open() as lines:
        for call in parse_anonbank(lines, tz, ImportSummary()):
            local = call.arrived.astimezone(tz)
            counts[local.replace(minute=local.minute // 30 * 30, second=0, microsecond=0)] += 1
    start = datetime(1999, 1, 1, tzinfo=tz)
    return np.array(
        [counts.get(start + timedelta(minutes=30 * i), 0.0) for i in range(31 * 48)]
    ), 7 * 48


def fpp2_series() -> tuple[np.ndarray, int]:
    with (DATA / "fpp2_calls_2003_5min.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    days = max(int(r["day_index"]) for r in rows) + 1
    series = np.zeros(days * 28)  # 07:00–21:00 in half hours; five weekdays make a week
    for row in rows:
        slot = int(row["slot"]) // 6
        if slot < 28:
            series[int(row["day_index"]) * 28 + slot] += float(row["calls"])
    return series, 5 * 28


def weighted(weights: tuple[float, ...]) -> Method:
    def forecast(y: np.ndarray, week: int, start: int) -> np.ndarray:
        known = [
            (w, y[start - i * week : start - (i - 1) * week])
            for i, w in enumerate(weights, 1)
            if start - i * week >= 0
        ]
        total = sum(w for w, _ in known)
        return sum(w * values for w, values in known) / total

    return forecast


def errors(y: np.ndarray, week: int, method: Method, first_week: int) -> tuple[float, float]:
    absolute, actual, naive = [], [], []
    for start in range(first_week * week, len(y) - week + 1, week):
        truth = y[start : start + week]
        absolute.append(np.abs(method(y, week, start) - truth))
        actual.append(truth)
        naive.append(np.abs(truth - y[start - week : start]))
    a, t, n = np.concatenate(absolute), np.concatenate(actual), np.concatenate(naive)
    return float(a.sum() / t.sum()), float(a.mean() / n.mean())


def main() -> None:
    methods = {
        "seasonal naive": weighted((1,)),
        "3-week average": weighted((1, 1, 1)),
        "4-week average": weighted((1, 1, 1, 1)),
        f"ours, weights {WEIGHTS}": weighted(WEIGHTS),
    }
    for name, (series, week) in {
        "anonbank Jan 1999": anonbank_series(),
        "fpp2 2003": fpp2_series(),
    }.items():
        first = 3 if name.startswith("anonbank") else 4
        print(f"Forecast one week ahead, {name} (from week {first + 1} on):")
        for label, method in methods.items():
            wape, mase = errors(series, week, method, first)
            print(f"  {label:<28} WAPE {wape:.4f}  MASE {mase:.4f}")
