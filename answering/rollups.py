"""Keeping the day rollups current: every ten minutes the last three days (and any gap since the
last run) are recounted from call records, so a late callback moves its day within minutes; older
days are recounted on demand with `flask reports rollup --since YYYY-MM-DD`.

A recount replaces the days' rows whole (delete, then insert the sums), so it may run twice or
late with the same result. Reports read a day from the rollups only inside the recorded range
[rolled_from, rolled_until) and only when it was counted at today's service-level threshold.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import delete, func, insert, select

from answering import reports
from answering.models import Call
from answering.rollup_models import CallDayRollup, RollupState
from tenants.config import settings_from
from tenants.coverage.services import today_in_tokyo
from tenants.db import db, new_id, utcnow
from tenants.scheduler import in_system_scope, periodic
from tenants.scoping import SYSTEM, set_scope

FRESH_DAYS = 3
FIGURES = tuple(field.name for field in fields(reports.Figures))


def recount(first: date, until: date, sl_threshold_s: int) -> int:
    """Replace the rollups of the days [first, until) with sums of the call records (staff
    scope: every shop); returns the rows written."""
    db.session.execute(
        delete(CallDayRollup).where(CallDayRollup.day >= first, CallDayRollup.day < until)
    )
    start, end = reports.tokyo_bounds(first, until - timedelta(days=1))
    day = func.floor((reports.epoch(reports.entered()) + reports.TOKYO_OFFSET_S) / 86400).label(
        "day"
    )
    queue = func.coalesce(Call.queue, "-").label("queue")
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
            select(Call.shop_id, day, queue, *reports.figure_columns(sl_threshold_s))
            .where(*reports.counted_between(start, end))
            .group_by(Call.shop_id, day, queue)
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
    written = recount(since, today, sl_threshold_s)
    if state is None:
        state = RollupState(id=1)
        db.session.add(state)
    state.rolled_from, state.rolled_until = keep_from, today
    state.sl_threshold_s, state.refreshed_at = sl_threshold_s, utcnow()
    return written


@periodic("call-day-rollups", every=timedelta(minutes=10))
def refresh(app: Flask) -> None:
    """The last three days (Asia/Tokyo), before today."""
    today = today_in_tokyo()
    with in_system_scope(app):
        roll(today - timedelta(days=FRESH_DAYS), today, settings_from(app.config).sl_threshold_s)


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
