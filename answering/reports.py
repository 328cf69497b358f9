"""Answer-rate reports from call records, with the definitions of DESIGN.md section 2.

offered = answered + abandoned (short abandons and callbacks apart); answer rate = answered /
offered; service level = answered within SL_THRESHOLD_S / offered; ASA = mean wait of answered
calls; AHT = mean handling time of answered calls: from answer to end plus the after-call work the
console records when the operator files the call. A call belongs to the day and interval (Asia/Tokyo) in which it entered
the queue. Only calls in coverage count.

The database sums the figures per group (one row per shop, team, day or interval comes back,
never one per call). Days the day rollups hold (`answering.rollups`, refreshed every ten minutes
for the last three days) are read from them for reports by shop, team and day; the rest, and
every report by operator or interval, from the call records. A shop's day whose call records
changed since it was counted (`answering.rollup_marks`) is read from the call records until the
rollup job recounts it, so a record changed weeks later shows at once.
"""

from __future__ import annotations

import uuid
from dataclasses import astuple, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Index,
    Select,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from answering import rollup_marks
from answering.models import Call
from answering.rollup_models import CallDayRollup, RollupState
from tenants.coverage.services import TOKYO
from tenants.db import db
from tenants.models import Shop, User

GROUPS = ("shop", "team", "operator", "day", "interval")
SHOP_GROUPS = ("day", "interval")
COUNTED = ("answered", "abandoned", "short_abandon", "callback")
TARGET = 0.98
INTERVAL_S = 1800
TOKYO_OFFSET_S = 9 * 3600  # Japan keeps no summer time
# A call enters the queue at most this long after it arrives (the voice menu), so the index on
# arrival time bounds the scan and the exact queue-time test runs on what it finds.
MENU_SLACK = timedelta(hours=2)

# Reports and the wallboard read every shop's calls by time: this index serves both (the
# primary key and (shop_id, arrived_at) serve one shop).
Index("ix_calls_arrived_at", Call.__table__.c.arrived_at)


class epoch(FunctionElement[float]):
    """Seconds since 1970 of a UTC timestamp, on PostgreSQL and SQLite."""

    type = Float()
    inherit_cache = True


@compiles(epoch, "postgresql")
def _epoch_pg(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS FLOAT8)"


@compiles(epoch)
def _epoch_sqlite(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@dataclass(frozen=True)
class Figures:
    """Summed counts of one group; the rates and means follow DESIGN.md section 2."""

    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    callbacks: int
    within_sl: int
    wait_s: float
    waits: int
    handle_s: float
    handles: int

    @classmethod
    def zero(cls) -> Figures:
        return cls(0, 0, 0, 0, 0, 0, 0.0, 0, 0.0, 0)

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "offered": self.offered,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "short_abandoned": self.short_abandoned,
            "callbacks": self.callbacks,
            "answer_rate": round(self.answered / self.offered, 4) if self.offered else None,
            "service_level": round(self.within_sl / self.offered, 4) if self.offered else None,
            "asa_s": round(self.wait_s / self.waits, 1) if self.waits else None,
            "aht_s": round(self.handle_s / self.handles, 1) if self.handles else None,
        }


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _sum(condition: ColumnElement[bool], value: ColumnElement[float]) -> ColumnElement[float]:
    return func.coalesce(func.sum(case((condition, value), else_=0.0)), 0.0)


def figure_columns(sl_threshold_s: int) -> list[ColumnElement[Any]]:
    """The aggregate columns of `Figures`, in its order."""
    answered = Call.outcome == "answered"
    timed_wait = and_(answered, Call.answered_at.is_not(None), Call.queued_at.is_not(None))
    timed_handle = and_(answered, Call.answered_at.is_not(None), Call.ended_at.is_not(None))
    wait = epoch(Call.answered_at) - epoch(Call.queued_at)
    # talk and hold from the answer to the end, then the after-call work filed on the console
    handle = (
        epoch(Call.ended_at) - epoch(Call.answered_at) + func.coalesce(Call.after_call_work_s, 0)
    )
    return [
        _count(Call.outcome.in_(("answered", "abandoned"))),
        _count(answered),
        _count(Call.outcome == "abandoned"),
        _count(Call.outcome == "short_abandon"),
        _count(Call.outcome == "callback"),
        _count(and_(timed_wait, wait <= sl_threshold_s)),
        _sum(timed_wait, wait),
        _count(timed_wait),
        _sum(timed_handle, handle),
        _count(timed_handle),
    ]


def entered() -> ColumnElement[datetime]:
    """When the call entered the queue (its arrival when it never did)."""
    return func.coalesce(Call.queued_at, Call.arrived_at)


def counted() -> list[ColumnElement[bool]]:
    """Incoming calls in coverage with a counted outcome (a callback we place is its own
    outbound record, never offered)."""
    return [
        Call.direction == "inbound",
        Call.in_coverage.is_(True),
        Call.outcome.in_(COUNTED),
    ]


def entered_between(start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    """Calls that entered the queue in [start, end), bounded on arrival for the index."""
    return [
        Call.arrived_at >= start - MENU_SLACK,
        Call.arrived_at < end,
        entered() >= start,
        entered() < end,
    ]


def counted_between(start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    """Counted calls (`counted`) that entered the queue in [start, end)."""
    return [*counted(), *entered_between(start, end)]


def tokyo_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(first, time(), TOKYO),
        datetime.combine(last + timedelta(days=1), time(), TOKYO),
    )


def _group_key(group_by: str) -> ColumnElement[Any]:
    if group_by == "shop":
        return Call.__table__.c.shop_id
    if group_by == "team":
        return func.coalesce(Call.queue, "-")
    if group_by == "operator":
        return Call.__table__.c.operator_id
    seconds = epoch(entered())
    if group_by == "day":
        return func.floor((seconds + TOKYO_OFFSET_S) / 86400)
    return func.floor(seconds / INTERVAL_S)


def _label(group_by: str, value: Any, names: dict[uuid.UUID, str]) -> str:
    if group_by in ("shop", "operator"):
        return names.get(value, "-") if value is not None else "-"
    if group_by == "team":
        return str(value)
    if group_by == "day":
        return (date(1970, 1, 1) + timedelta(days=int(value))).isoformat()
    start = datetime.fromtimestamp(int(value) * INTERVAL_S, UTC).astimezone(TOKYO)
    return start.isoformat()


def grouped_query(
    first: date, last: date, group_by: str | None, *, shop_id: uuid.UUID | None, sl_threshold_s: int
) -> Select[Any]:
    """The aggregate query over call records: one row per group key (or one row) with the
    `Figures` columns."""
    start, end = tokyo_bounds(first, last)
    return _aggregate(group_by, sl_threshold_s, counted_between(start, end), shop_id)


def _aggregate(
    group_by: str | None,
    sl_threshold_s: int,
    conditions: list[ColumnElement[bool]],
    shop_id: uuid.UUID | None,
) -> Select[Any]:
    if group_by is None:
        query = select(literal_column("0"), *figure_columns(sl_threshold_s))
    else:
        key = _group_key(group_by).label("key")
        query = select(key, *figure_columns(sl_threshold_s)).group_by(key)
    query = query.where(*conditions)
    if shop_id is not None:
        query = query.where(Call.shop_id == shop_id)
    return query


ROLLED_GROUPS = (None, "shop", "team", "day")
EPOCH_DAY = date(1970, 1, 1)
# Past this many stale shop-days the report reads the call records whole (the job is behind).
STALE_LIMIT = 500


def rolled_window(first: date, until: date, sl_threshold_s: int) -> tuple[date, date] | None:
    """The days of [first, until) the day rollups hold whole, counted at this threshold."""
    state = db.session.get(RollupState, 1)
    if state is None or state.sl_threshold_s != sl_threshold_s:
        return None
    start, end = max(first, state.rolled_from), min(until, state.rolled_until)
    return (start, end) if start < end else None


def rolled_query(
    first: date,
    until: date,
    group_by: str | None,
    *,
    shop_id: uuid.UUID | None,
    sl_threshold_s: int,
    stale: dict[date, set[uuid.UUID]] | None = None,
) -> Select[Any]:
    """The day rollups' sums for [first, until), per group key (or one row), without the
    `stale` shop-days."""
    r = CallDayRollup
    keys: dict[str | None, Any] = {
        None: literal_column("0"),
        "shop": r.__table__.c.shop_id,
        "team": r.queue,
        "day": r.day,
    }
    key = keys[group_by].label("key")
    sums = [
        func.coalesce(func.sum(column), 0)
        for column in (
            r.offered,
            r.answered,
            r.abandoned,
            r.short_abandoned,
            r.callbacks,
            r.within_sl,
            r.wait_s,
            r.waits,
            r.handle_s,
            r.handles,
        )
    ]
    query = select(key, *sums).where(
        r.day >= first, r.day < until, r.sl_threshold_s == sl_threshold_s
    )
    if stale:
        query = query.where(
            ~or_(*(and_(r.day == day, r.shop_id.in_(shops)) for day, shops in stale.items()))
        )
    if group_by is not None:
        query = query.group_by(key)
    return query.where(r.shop_id == shop_id) if shop_id is not None else query


def stale_query(
    stale: dict[date, set[uuid.UUID]],
    group_by: str | None,
    *,
    shop_id: uuid.UUID | None,
    sl_threshold_s: int,
) -> Select[Any]:
    """The call records of the shop-days the rollups hold stale, per group key (or one row).

    Each shop-day carries its own time bounds, so the database reads each through the index on
    (shop_id, arrived_at) instead of every shop's calls between the first and last stale day."""
    days = []
    for day, shops in stale.items():
        start, end = tokyo_bounds(day, day)
        days.append(and_(Call.shop_id.in_(shops), *entered_between(start, end)))
    return _aggregate(group_by, sl_threshold_s, [*counted(), or_(*days)], shop_id)


def _normal(group_by: str | None, value: Any) -> Any:
    """Group keys from call records and from rollups, made equal (days as day numbers)."""
    if group_by is None:
        return None
    if isinstance(value, date):
        return (value - EPOCH_DAY).days
    if group_by in ("day", "interval"):
        return int(value)
    return value


def collect(
    first: date, last: date, group_by: str | None, *, shop_id: uuid.UUID | None, sl_threshold_s: int
) -> dict[Any, Figures]:
    """Figures per group key: days the rollups hold from them, the rest from call records."""
    until = last + timedelta(days=1)
    window = rolled_window(first, until, sl_threshold_s) if group_by in ROLLED_GROUPS else None
    stale = rollup_marks.stale_days(*window, shop_id=shop_id) if window is not None else {}
    if sum(len(shops) for shops in stale.values()) > STALE_LIMIT:
        window, stale = None, {}
    raw = [(first, until)]
    queries = []
    if window is not None:
        raw = [(a, b) for a, b in ((first, window[0]), (window[1], until)) if a < b]
        queries.append(
            rolled_query(
                *window, group_by, shop_id=shop_id, sl_threshold_s=sl_threshold_s, stale=stale
            )
        )
    if stale:
        queries.append(stale_query(stale, group_by, shop_id=shop_id, sl_threshold_s=sl_threshold_s))
    for a, b in raw:
        queries.append(
            grouped_query(
                a,
                b - timedelta(days=1),
                group_by,
                shop_id=shop_id,
                sl_threshold_s=sl_threshold_s,
            )
        )
    found: dict[Any, Figures] = {}
    for query in queries:
        for value, *figures in db.session.execute(query):
            key = _normal(group_by, value)
            found[key] = found.get(key, Figures.zero()) + Figures(*figures)
    return found


def answer_rate(
    first: date, last: date, group_by: str, *, shop_id: uuid.UUID | None, sl_threshold_s: int
) -> list[dict[str, Any]]:
    """One row per group, sorted by its key; the scope decides which shops' calls are counted."""
    found = collect(first, last, group_by, shop_id=shop_id, sl_threshold_s=sl_threshold_s)
    names = _names(group_by)
    rows = [
        {group_by: _label(group_by, value, names), **figures.as_dict()}
        for value, figures in found.items()
    ]
    return sorted(rows, key=lambda row: str(row[group_by]))


def _names(group_by: str) -> dict[uuid.UUID, str]:
    """Shops by slug; operators by name (calls no operator took: "-")."""
    if group_by == "shop":
        return {row.id: row.slug for row in db.session.execute(select(Shop.id, Shop.slug))}
    if group_by == "operator":
        users = select(User.id, User.display_name).where(User.staff_role.is_not(None))
        return {row.id: row.display_name for row in db.session.execute(users)}
    return {}


def overall(
    first: date, last: date, *, shop_id: uuid.UUID | None, sl_threshold_s: int
) -> dict[str, Any]:
    """The whole range as one row (rates from the sums, never an average of rates)."""
    found = collect(first, last, None, shop_id=shop_id, sl_threshold_s=sl_threshold_s)
    return found.get(None, Figures.zero()).as_dict()
