"""Any change to a call record of an earlier day (Asia/Tokyo) marks its shop's day as stale for the
day rollups: a late reconciliation, a disposition filed after midnight, a retention purge, a record
deleted. Today's calls are never marked: the rollups hold days before today only, and the rollup
job recounts the last days whole anyway.

Two hooks on every ORM session catch the changes: `before_flush` (records added, changed or
deleted one by one) and `do_orm_execute` (bulk `update(Call)` / `delete(Call)` statements, whose
rows are found by the statement's own condition before it runs). A mark costs one small insert per
(shop, day) a flush touches.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime
from itertools import chain
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from answering.models import Call
from answering.rollup_models import CallRollupMark
from tenants.coverage.services import TOKYO, today_in_tokyo
from tenants.db import db, new_id, utcnow


def tokyo_day(queued_at: datetime | None, arrived_at: datetime | None) -> date | None:
    """The day a call counts in: when it entered the queue, else when it arrived (Asia/Tokyo)."""
    moment = queued_at or arrived_at
    return moment.astimezone(TOKYO).date() if moment is not None else None


def _values(call: Call, name: str) -> list[Any]:
    """The attribute's value now and, when it changed in this flush, before."""
    history = inspect(call).attrs[name].history
    found = [*history.added, *history.unchanged, *history.deleted]
    return found or [getattr(call, name)]


def _days_of(call: Call) -> set[date]:
    queued, arrived = _values(call, "queued_at"), _values(call, "arrived_at")
    days = {tokyo_day(q, a) for q in queued for a in arrived}
    return {day for day in days if day is not None}


def _mark(session: Session, pairs: set[tuple[uuid.UUID, date]]) -> None:
    today = today_in_tokyo()
    now = utcnow()
    for shop_id, day in sorted(pairs):
        if day < today:
            session.add(CallRollupMark(id=new_id(), shop_id=shop_id, day=day, marked_at=now))


@event.listens_for(Session, "before_flush")
def _mark_flushed_calls(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    pairs: set[tuple[uuid.UUID, date]] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if not isinstance(obj, Call) or obj.shop_id is None:
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        pairs |= {(obj.shop_id, day) for day in _days_of(obj)}
    if pairs:
        _mark(session, pairs)


@event.listens_for(Session, "do_orm_execute")
def _mark_bulk_changes(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete) or state.bind_mapper is not inspect(Call):
        return
    where = state.statement.whereclause  # type: ignore[attr-defined]
    query = select(Call.shop_id, Call.queued_at, Call.arrived_at)
    rows = state.session.execute(query.where(where) if where is not None else query)
    pairs = {(row.shop_id, tokyo_day(row.queued_at, row.arrived_at)) for row in rows}
    _mark(state.session, {(shop, day) for shop, day in pairs if day is not None})


def stale_days(
    first: date, until: date, *, shop_id: uuid.UUID | None
) -> dict[date, set[uuid.UUID]]:
    """The shops whose day in [first, until) has changes the rollups have not counted, by day."""
    query = select(CallRollupMark.day, CallRollupMark.shop_id).where(
        CallRollupMark.day >= first, CallRollupMark.day < until
    )
    if shop_id is not None:
        query = query.where(CallRollupMark.shop_id == shop_id)
    found: dict[date, set[uuid.UUID]] = defaultdict(set)
    for day, shop in db.session.execute(query.distinct()):
        found[day].add(shop)
    return dict(found)
