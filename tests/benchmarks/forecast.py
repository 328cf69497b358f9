"""One-week-ahead forecast errors on the shared call-centre data (WAPE and MASE)."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import jpholiday
import numpy as np

from scheduling.backtest import Series, rolling_origin, same_day_type, same_slot
from scheduling.forecast import WEIGHTS
from scheduling.importers import ImportSummary, parse_anonbank

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def anonbank_series() -> Series:
    tz = ZoneInfo("Asia/Jerusalem")
    counts: dict[datetime, float] = defaultdict(float)
    with (DATA / "anonbank_1999_01_january.txt").open() as lines:
        for call in parse_anonbank(lines, tz, ImportSummary()):
            local = call.arrived.astimezone(tz)
            counts[local.replace(minute=local.minute // 30 * 30, second=0, microsecond=0)] += 1
    start = datetime(1999, 1, 1, tzinfo=tz)
    values = np.array([counts.get(start + timedelta(minutes=30 * i), 0.0) for i in range(31 * 48)])
    return Series(values, 7 * 48, 48, date(1999, 1, 1))


def fpp2_series() -> Series:
    with (DATA / "fpp2_calls_2003_5min.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    days = max(int(r["day_index"]) for r in rows) + 1
    series = np.zeros(days * 28)  # 07:00–21:00 in half hours; five weekdays make a week
    for row in rows:
        slot = int(row["slot"]) // 6
        if slot < 28:
            series[int(row["day_index"]) * 28 + slot] += float(row["calls"])
    return Series(series, 5 * 28, 28)


def main() -> None:
    methods = {
        "seasonal naive": same_slot((1,)),
        "3-week average": same_slot((1, 1, 1)),
        "4-week average": same_slot((1, 1, 1, 1)),
        f"ours, weights {WEIGHTS}": same_slot(WEIGHTS),
    }
    for name, series in {
        "anonbank Jan 1999": anonbank_series(),
        "fpp2 2003": fpp2_series(),
    }.items():
        first = 3 if name.startswith("anonbank") else 4
        print(f"Forecast one week ahead, {name} (from week {first + 1} on):")
        contenders = dict(methods)
        if series.first_day is not None:  # only a dated series knows its holidays
            contenders["day type (JP holidays)"] = same_day_type(WEIGHTS, jpholiday.is_holiday)
        for label, method in contenders.items():
            origins = range(
                first * series.season, len(series.values) - series.season + 1, series.season
            )
            result = rolling_origin(series, method, list(origins))
            print(f"  {label:<28} WAPE {result.wape:.4f}  MASE {result.mase:.4f}")
