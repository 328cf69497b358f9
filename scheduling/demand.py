"""Demand history: what answering reports as each offered call ends, per queue and interval."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from scheduling import campaign_shares
from scheduling.models import DemandInterval
from tenants.db import Model, db

TOKYO = ZoneInfo("Asia/Tokyo")
INTERVAL = timedelta(minutes=30)
OUTCOMES = ("answered", "abandoned", "short_abandon", "callback")


def interval_start(at: datetime) -> datetime:
    """The :00 or :30 slot (Asia/Tokyo) a moment falls in, as an aware datetime."""
    local = at.astimezone(TOKYO)
    return local.replace(minute=0 if local.minute < 30 else 30, second=0, microsecond=0)


def record_call(
    queue: str,
    *,
    queued_at: datetime,
    outcome: str,
    wait_s: float,
    handle_s: float,
    sl_threshold_s: int,
    sign: int = 1,
    shop_id: uuid.UUID | None = None,
) -> None:
    """Count one ended call in its queue's interval (and, with `shop_id`, in the shop's offered
    calls of the day), or take it back with `sign=-1` when a late callback changes the call (the
    caller keeps what it counted)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"not a queue outcome: {outcome}")
    start = interval_start(queued_at)
    changes = {
        "answered": {
            "offered": 1,
            "answered": 1,
            "wait_s_answered": round(wait_s),
            "handle_s": round(handle_s),
            "answered_within_sl": int(wait_s <= sl_threshold_s),
        },
        "abandoned": {"offered": 1, "abandoned": 1, "wait_s_abandoned": round(wait_s)},
        "short_abandon": {"short_abandoned": 1},
        "callback": {"callbacks": 1},
    }[outcome]
    add_counts(
        DemandInterval,
        {"queue": queue, "interval_start": start},
        {name: sign * amount for name, amount in changes.items()},
    )
    if shop_id is not None and "offered" in changes:
        campaign_shares.record_offered(shop_id, queue, start.date(), sign)


def add_counts(model: type[Model], key: dict[str, Any], deltas: dict[str, int]) -> None:
    """Add `deltas` to the counters of the row at `key`, creating it if needed, in one statement:
    a busy queue's interval row is written by every call that ends in it, so it is held briefly."""
    connection = db.session.connection()
    statement = _upsert(model, tuple(key), tuple(deltas), connection.dialect.name)
    connection.execute(statement, {**key, **deltas})


@cache
def _upsert(model: type[Model], key: tuple[str, ...], deltas: tuple[str, ...], dialect: str) -> Any:
    """The upsert for these columns, built once (it runs at the end of every queued call)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model).values({name: bindparam(name) for name in (*key, *deltas)})
    return statement.on_conflict_do_update(
        index_elements=list(key),
        set_={name: getattr(model, name) + statement.excluded[name] for name in deltas},
    )


def ensure_row(queue: str, start: datetime) -> None:
    exists = db.session.scalar(
        select(DemandInterval.queue).where(
            DemandInterval.queue == queue, DemandInterval.interval_start == start
        )
    )
    if exists is not None:
        return
    try:
        with db.session.begin_nested():  # another call of the same interval may insert first
            db.session.add(DemandInterval(queue=queue, interval_start=start))
    except IntegrityError:
        pass


def history(queue: str, first: datetime, last: datetime) -> list[DemandInterval]:
    return list(
        db.session.scalars(
            select(DemandInterval)
            .where(
                DemandInterval.queue == queue,
                DemandInterval.interval_start >= first,
                DemandInterval.interval_start <= last,
            )
            .order_by(DemandInterval.interval_start)
        )
    )
