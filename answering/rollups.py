"""Keeping the day rollups current: every ten minutes the last three days (and any gap since the
last run) are recounted from call records, so a late callback moves its day within minutes; any
older shop-day whose call records changed since (marked by `answering.rollup_marks`) is recounted
in the same run; whole ranges are recounted on demand with `flask reports rollup --since YYYY-MM-DD`.

A recount replaces the days' rows whole (delete, then insert the sums), so it may run twice or
late with the same result. Reports read a day from the rollups only inside the recorded range
[rolled_from, rolled_until) and only when it was counted at today's service-level threshold.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import fields
from datetime import date, timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import delete, func, insert, select

from answering import reports
from answering.models import Call
from answering.rollup_models import CallDayRollup, CallRollupMark, RollupState
from tenants.config import settings_from
from tenants.coverage.services import today_in_tokyo
from tenants.db import db, new_id, utcnow
from tenants.scheduler import in_system_scope, periodic
from tenants.scoping import SYSTEM, set_scope

FRESH_DAYS = 3
FIGURES = tuple(field.name for field in fields(reports.Figures))


def recount(
    first: date, until: date, sl_threshold_s: int, shops: set[uuid.UUID] | None = None
) -> int:
    """Replace the rollups of the days [first, until) with sums of the call records (staff
    scope: every shop, or only `shops`); returns the rows written."""
    gone = delete(CallDayRollup).where(CallDayRollup.day >= first, CallDayRollup.day < until)
    db.session.execute(gone if shops is None else gone.where(CallDayRollup.shop_id.in_(shops)))
    start, end = reports.tokyo_bounds(first, until - timedelta(days=1))
    day = func.floor((reports.epoch(reports.entered()) + reports.TOKYO_OFFSET_S) / 86400).label(
        "day"
    )
    queue = func.coalesce(Call.queue, "-").label("queue")
    counted = select(Call.shop_id, day, queue, *reports.figure_columns(sl_threshold_s)).where(
        *reports.counted_between(start, end)
    )
    if shops is not None:
        counted = counted.where(Call.shop_id.in_(shops))
    rows = [
        {
            "shop_id": shop_id,
            "id": new_id(),
            "day": reports.EPOCH_DAY + timedelta(days=int(number)),
            "queue": queue_name,
            "sl_threshold_s": sl_threshold_s,
            **dict(zip(FIGURES, figures, strict=True)),
        }
        for shop_id, number, queue_name, *figures in db.session.execute(
            counted.group_by(Call.shop_id, day, queue)
        )
    ]
    if rows:
        db.session.execute(insert(CallDayRollup), rows)
    return len(rows)


def roll(since: date, today: date, sl_threshold_s: int) -> int:
    """Recount [since, today) and any gap left since the last run; record the range held."""
    state = db.session.get(RollupState, 1)
    keep_from = since
    if state is not None and state.sl_threshold_s == sl_threshold_s:
        since = min(since, state.rolled_until)
        keep_from = min(state.rolled_from, since)
    # Marks of the days recounted whole, read before the recount: a change committed after this
    # read keeps its mark for the next run.
    counted_marks = db.session.scalars(
        select(CallRollupMark.id).where(CallRollupMark.day >= since, CallRollupMark.day < today)
    ).all()
    written = recount(since, today, sl_threshold_s)
    _unmark(list(counted_marks))
    if state is None:
        state = RollupState(id=1)
        db.session.add(state)
    state.rolled_from, state.rolled_until = keep_from, today
    state.sl_threshold_s, state.refreshed_at = sl_threshold_s, utcnow()
    return written


def recount_marked(sl_threshold_s: int) -> int:
    """Recount each marked shop-day the rollups hold, then remove the marks read; marks of days
    the rollups do not hold only go (those days are recounted whole when they are rolled).
    Returns the shop-days recounted."""
    state = db.session.get(RollupState, 1)
    marks = db.session.execute(
        select(CallRollupMark.id, CallRollupMark.shop_id, CallRollupMark.day)
    ).all()
    held: dict[date, set[uuid.UUID]] = defaultdict(set)
    if state is not None and state.sl_threshold_s == sl_threshold_s:
        for mark in marks:
            if state.rolled_from <= mark.day < state.rolled_until:
                held[mark.day].add(mark.shop_id)
    for day, shops in sorted(held.items()):
        recount(day, day + timedelta(days=1), sl_threshold_s, shops)
    _unmark([mark.id for mark in marks])
    return sum(len(shops) for shops in held.values())


def _unmark(ids: list[uuid.UUID]) -> None:
    for start in range(0, len(ids), 1000):
        db.session.execute(
            delete(CallRollupMark).where(CallRollupMark.id.in_(ids[start : start + 1000]))
        )


@periodic("call-day-rollups", every=timedelta(minutes=10))
def refresh(app: Flask) -> None:
    """The last three days (Asia/Tokyo), before today, and the older days marked stale."""
    today = today_in_tokyo()
    sl_threshold_s = settings_from(app.config).sl_threshold_s
    with in_system_scope(app):
        roll(today - timedelta(days=FRESH_DAYS), today, sl_threshold_s)
        recount_marked(sl_threshold_s)


group = AppGroup("reports", help="Answer-rate reports: the day rollups behind them.")


@group.command("rollup")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    required=True,
    help="First day (Asia/Tokyo) to recount; up to yesterday.",
)
def rollup_command(since: object) -> None:
    """Recount the day rollups from call records, from --since up to yesterday."""
    first = since.date()  # type: ignore[attr-defined]
    today = today_in_tokyo()
    if not date(2000, 1, 1) <= first < today:
        raise click.BadParameter(
            "choose a day from 2000-01-01 up to yesterday", param_hint="--since"
        )
    set_scope(db.session, SYSTEM)
    written = roll(first, today, settings_from(current_app.config).sl_threshold_s)
    db.session.commit()
    click.echo(f"{written} day rows for {first} to {today - timedelta(days=1)}")
