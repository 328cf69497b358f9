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

from sqlalchemy import func, select

from scheduling import erlang
from scheduling.models import DemandInterval
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
class PlanRow:
    interval_start: datetime
    forecast_offered: float
    required_agents: int
    scheduled_agents: int


def plan(
    queue: str, first: date, days: int, tz: ZoneInfo, *, target: float, shrinkage: float
) -> list[PlanRow]:
    """Forecast and agents per interval, from history strictly before `first`."""
    targets = slots(first, days, tz)
    found = estimates(queue, targets[0])
    if found is None:
        raise LookupError(f"queue {queue!r} has no answered calls before {first}")
    forecast = same_slot_average(offered_history(queue, targets[0]), targets)
    rows = []
    for moment in targets:
        offered = forecast[moment]
        required = erlang.agents_for_answer_rate(
            offered, SLOT.total_seconds(), found.aht_s, found.patience_s, target
        )
        scheduled = math.ceil(required / (1 - shrinkage)) if required else 0
        rows.append(PlanRow(moment, round(offered, 2), required, scheduled))
    return rows
