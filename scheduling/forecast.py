"""Forecasts per 30-minute interval, and the staffing plan that follows from them.

The method is a weighted average of the same slot (weekday and time of day) over the last four
weeks, the most recent counting most; at a one-week lead it beats the plain 3- and 4-week averages
and seasonal naive on both data sets of ../shared/data (`make bench` prints WAPE and MASE).
Handling time and patience are estimated from the queue's history: AHT as handled seconds per
answered call, patience as the exponential maximum-likelihood estimate with censoring (total time
callers waited, answered or not, divided by the number who abandoned).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import jpholiday
import numpy as np
from sqlalchemy import func, select

from scheduling import campaign_shares, erlang
from scheduling.backtest import (
    Backtest,
    FloatArray,
    Method,
    Series,
    rolling_origin,
    same_day_type,
    same_slot,
)
from scheduling.models import Campaign, DemandInterval
from tenants.db import db

SLOT = timedelta(minutes=30)


def slots(first: date, days: int, tz: ZoneInfo) -> list[datetime]:
    """Every half hour from `first` 00:00 for `days` days, in `tz`."""
    start = datetime.combine(first, time(), tz)
    return [start + i * SLOT for i in range(days * 48)]


WEIGHTS = (4, 3, 2, 1)  # the last week counts most; measured on both data sets by `make bench`


def same_slot_average(
    history: Mapping[datetime, float],
    targets: list[datetime],
    weights: tuple[float, ...] = WEIGHTS,
) -> dict[datetime, float]:
    """Each target's forecast: a weighted mean of the same slot in the weeks before it.

    A week before the queue's first record is unknown, not quiet: it is left out and the weights
    of the known weeks renormalised.
    """
    keyed = {moment.timestamp(): value for moment, value in history.items()}
    earliest = min(keyed, default=math.inf)
    forecast: dict[datetime, float] = {}
    for target in targets:
        known = [
            (weight, keyed.get(moment, 0.0))
            for weight, moment in (
                (w, (target - timedelta(weeks=i)).timestamp()) for i, w in enumerate(weights, 1)
            )
            if moment >= earliest
        ]
        total = sum(weight for weight, _ in known)
        forecast[target] = sum(w * v for w, v in known) / total if total else 0.0
    return forecast


@dataclass(frozen=True)
class QueueEstimates:
    aht_s: float
    patience_s: float


def offered_history(queue: str, before: datetime, weeks: int = 4) -> dict[datetime, float]:
    rows = db.session.execute(
        select(DemandInterval.interval_start, DemandInterval.offered).where(
            DemandInterval.queue == queue,
            DemandInterval.interval_start < before,
            DemandInterval.interval_start >= before - timedelta(weeks=weeks + 1),
        )
    )
    return {row.interval_start: float(row.offered) for row in rows}


def offered_between(queue: str, first: datetime, end: datetime) -> dict[datetime, float]:
    """Recorded offered calls per interval starting in [first, end)."""
    rows = db.session.execute(
        select(DemandInterval.interval_start, DemandInterval.offered).where(
            DemandInterval.queue == queue,
            DemandInterval.interval_start >= first,
            DemandInterval.interval_start < end,
        )
    )
    return {row.interval_start: float(row.offered) for row in rows}


def estimates(queue: str, before: datetime) -> QueueEstimates | None:
    """AHT and patience from everything the queue recorded before `before`."""
    totals = db.session.execute(
        select(
            func.sum(DemandInterval.answered),
            func.sum(DemandInterval.abandoned),
            func.sum(DemandInterval.handle_s),
            func.sum(DemandInterval.wait_s_answered),
            func.sum(DemandInterval.wait_s_abandoned),
        ).where(DemandInterval.queue == queue, DemandInterval.interval_start < before)
    ).one()
    answered, abandoned, handle, wait_answered, wait_abandoned = (int(v or 0) for v in totals)
    if answered == 0:
        return None
    exposure = wait_answered + wait_abandoned
    patience = exposure / abandoned if abandoned else 3600.0
    return QueueEstimates(aht_s=handle / answered, patience_s=max(patience, 1.0))


@dataclass(frozen=True)
class IntervalEstimates:
    """AHT and patience for each interval of a plan: its hour of the day's own where that hour
    has enough calls (200 answered, 30 abandoned), else the queue's overall figure."""

    aht_s: FloatArray
    patience_s: FloatArray


MIN_ANSWERED, MIN_ABANDONED = 200, 30


def estimates_by_slot(queue: str, starts: list[datetime]) -> IntervalEstimates | None:
    """Per-interval estimates from everything the queue recorded before the first of `starts`."""
    overall = estimates(queue, starts[0])
    if overall is None:
        return None
    rows = db.session.execute(
        select(
            DemandInterval.interval_start,
            DemandInterval.answered,
            DemandInterval.abandoned,
            DemandInterval.handle_s,
            DemandInterval.wait_s_answered,
            DemandInterval.wait_s_abandoned,
        ).where(DemandInterval.queue == queue, DemandInterval.interval_start < starts[0])
    )
    zone = starts[0].tzinfo
    sums: dict[int, list[int]] = {}
    for row in rows:
        hour = row.interval_start.astimezone(zone).hour
        totals = sums.setdefault(hour, [0, 0, 0, 0])
        totals[0] += row.answered
        totals[1] += row.abandoned
        totals[2] += row.handle_s
        totals[3] += row.wait_s_answered + row.wait_s_abandoned
    aht, patience = [], []
    for start in starts:
        answered, abandoned, handle, exposure = sums.get(start.hour, [0, 0, 0, 0])
        aht.append(handle / answered if answered >= MIN_ANSWERED else overall.aht_s)
        patience.append(
            max(exposure / abandoned, 1.0) if abandoned >= MIN_ABANDONED else overall.patience_s
        )
    return IntervalEstimates(np.array(aht), np.array(patience))


@dataclass(frozen=True)
class PlanRow:
    interval_start: datetime
    forecast_offered: float
    required_agents: int
    scheduled_agents: int


BACKTEST_WEEKS = 4
BASELINE = "same-slot weighted average (4:3:2:1)"
METHODS: dict[str, Method] = {
    BASELINE: same_slot(WEIGHTS),
    "same slot by day type (Japanese holidays as Sundays)": same_day_type(
        WEIGHTS, jpholiday.is_holiday
    ),
}


def history_series(queue: str, first_day: date, tz: ZoneInfo, weeks: int) -> Series:
    """Offered calls per half hour for up to `weeks` weeks before `first_day`, from the day of the
    queue's first record on (weeks before it are unknown, not quiet)."""
    earliest = db.session.scalar(
        select(func.min(DemandInterval.interval_start)).where(DemandInterval.queue == queue)
    )
    begin_day = first_day - timedelta(weeks=weeks)
    if earliest is not None:
        begin_day = max(begin_day, earliest.astimezone(tz).date())
    begin_day = min(begin_day, first_day)
    starts = slots(begin_day, (first_day - begin_day).days, tz)
    if not starts:
        return Series(np.zeros(0), 7 * 48, 48, begin_day)
    recorded = offered_between(queue, starts[0], starts[-1] + SLOT)
    by_moment = {moment.timestamp(): value for moment, value in recorded.items()}
    values = np.array([by_moment.get(s.timestamp(), 0.0) for s in starts], dtype=np.float64)
    return Series(values, 7 * 48, 48, begin_day)


def campaign_factors(queue: str, first_day: date, last_day: date) -> dict[date, float]:
    """Each campaign day's factor on the whole queue: 1 plus the extra of every campaign
    announced for it. A shop's campaign multiplies only the shop's share of the queue's calls;
    a supervisor's (no shop) the whole queue."""
    factors: dict[date, float] = {}
    for campaign in db.session.scalars(
        select(Campaign).where(
            Campaign.queue == queue, Campaign.day >= first_day, Campaign.day <= last_day
        )
    ):
        share = (
            campaign_shares.shop_share(queue, campaign.shop_id, campaign.day)
            if campaign.shop_id is not None
            else 1.0
        )
        extra = (campaign.multiplier - 1.0) * share
        factors[campaign.day] = factors.get(campaign.day, 1.0) + extra
    return {day: max(factor, 0.05) for day, factor in factors.items()}


def day_factors(first_day: date, days: int, factors: dict[date, float]) -> FloatArray:
    per_day = [factors.get(first_day + timedelta(days=d), 1.0) for d in range(days)]
    return np.repeat(np.array(per_day, dtype=np.float64), 48)


@dataclass
class Forecast:
    """Calls per interval of the days asked for, by the method that won the backtest."""

    starts: list[datetime]
    values: FloatArray
    method: str
    backtest: Backtest
    contenders: dict[str, Backtest]

    def bound(self, quantile: float) -> FloatArray:
        """The forecast's `quantile` from the backtest's errors (scaled by √forecast)."""
        residuals = self.backtest.scaled_residuals()
        if not residuals.size:
            return self.values.copy()
        z = float(np.quantile(residuals, quantile))
        spread = np.sqrt(np.maximum(self.values, 1.0))
        return np.asarray(np.maximum(self.values + z * spread, 0.0), dtype=np.float64)


def beats(challenger: Backtest, holder: Backtest) -> bool:
    """A method replaces the one in use only by lower WAPE and MASE over at least two weeks."""
    return (
        challenger.weeks >= 2
        and challenger.wape < holder.wape - 1e-9
        and challenger.mase < holder.mase - 1e-9
    )


def forecast_days(queue: str, first: date, days: int, tz: ZoneInfo) -> Forecast:
    """Each method forecasts the weeks before `first` in a rolling-origin backtest; the same-slot
    average stays unless another method beats it (`beats`). Campaign days are divided out of the
    history and multiplied into the days forecast."""
    series = history_series(queue, first, tz, BACKTEST_WEEKS + len(WEIGHTS))
    if series.first_day is None:  # pragma: no cover - history_series always dates its series
        raise LookupError(queue)
    history_days = len(series.values) // 48
    factors = campaign_factors(queue, series.first_day, first + timedelta(days=days))
    history = Series(
        series.values / day_factors(series.first_day, history_days, factors),
        series.season,
        series.day_slots,
        series.first_day,
    )
    length, week = len(history.values), history.season
    origins = [length - k * week for k in range(BACKTEST_WEEKS, 0, -1) if length - k * week >= week]
    contenders = {
        name: rolling_origin(history, method, origins) for name, method in METHODS.items()
    }
    best = BASELINE
    for name, tested in contenders.items():
        if beats(tested, contenders[best]):
            best = name
    one_week = METHODS[best](history, length)
    values = np.tile(one_week, -(-days // 7))[: days * 48] * day_factors(first, days, factors)
    return Forecast(slots(first, days, tz), values, best, contenders[best], contenders)


def plan(
    queue: str,
    first: date,
    days: int,
    tz: ZoneInfo,
    *,
    target: float,
    shrinkage: float,
    interval: float | None = None,
) -> list[PlanRow]:
    """Forecast and agents per interval, from history strictly before `first`; with `interval`
    (a quantile such as 0.8) agents are sized for that bound of the forecast, a buffer."""
    return plan_rows(
        queue,
        forecast_days(queue, first, days, tz),
        target=target,
        shrinkage=shrinkage,
        interval=interval,
    )


def plan_rows(
    queue: str,
    found_forecast: Forecast,
    *,
    target: float,
    shrinkage: float,
    interval: float | None,
    pooled: bool = False,
) -> list[PlanRow]:
    """Agents per interval for the forecast: each interval meets `target`, or with `pooled` the
    intervals together do (fewer agent-hours; quiet intervals answer less)."""
    targets = found_forecast.starts
    found = estimates_by_slot(queue, targets)
    if found is None:
        raise LookupError(f"queue {queue!r} has no answered calls before {targets[0].date()}")
    sized = found_forecast.bound(interval) if interval is not None else found_forecast.values
    size = erlang.agents_for_pooled_answer_rate if pooled else erlang.agents_for_answer_rates
    required = size(sized, SLOT.total_seconds(), found.aht_s, found.patience_s, target)
    return [
        PlanRow(
            moment,
            round(float(offered), 2),
            int(agents),
            math.ceil(agents / (1 - shrinkage)) if agents else 0,
        )
        for moment, offered, agents in zip(targets, found_forecast.values, required, strict=True)
    ]
