"""`flask scheduling ...`: import outside call logs into a queue's demand history."""

from __future__ import annotations

import csv
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from scheduling import erlang, forecast, measures, queues, rosters, services
from scheduling.importers import FORMATS, import_history
from tenants.config import settings_from
from tenants.db import db
from tenants.models import User
from tenants.scoping import SYSTEM, set_scope

group = AppGroup("scheduling", help="Workforce: demand history, forecasts, staffing.")


@group.command("import-history")
@click.option("--queue", required=True, help="The queue the calls were offered to.")
@click.option("--format", "file_format", type=click.Choice(FORMATS), required=True)
@click.option(
    "--tz",
    default="Asia/Tokyo",
    show_default=True,
    help="Time zone of the times in the file (anonbank: Asia/Jerusalem).",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_history_command(queue: str, file_format: str, tz: str, file: Path) -> None:
    """Add a call log to a queue's demand history (the same file twice changes nothing)."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {tz!r}", param_hint="--tz") from None
    queue = queue.strip()
    if not queue or len(queue) > 40:
        raise click.BadParameter("1 to 40 characters", param_hint="--queue")
    raw = file.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file} is not UTF-8 text") from None
    settings = settings_from(current_app.config)
    set_scope(db.session, SYSTEM)
    lines = text.splitlines(keepends=True)
    with click.progressbar(lines, label=f"Importing {file.name}", file=sys.stderr) as bar:
        summary = import_history(
            queue,
            raw,
            file_format=file_format,
            tz=zone,
            short_abandon_s=settings.short_abandon_s,
            sl_threshold_s=settings.sl_threshold_s,
            progress=bar,
        )
    if summary.already_imported:
        db.session.rollback()
        click.echo(f"{file.name} is already in the history of {queue}: nothing changed.")
        return
    db.session.commit()
    counts = summary.counts
    click.echo(
        f"Imported {summary.calls} calls from {summary.rows} rows into {summary.intervals} "
        f"intervals of {queue}: offered {counts['offered']}, answered {counts['answered']}, "
        f"abandoned {counts['abandoned']}, short abandons {counts['short_abandoned']}."
    )
    for reason, count in sorted(summary.skipped.items()):
        click.echo(f"Skipped {count}: {reason}.")
    if summary.malformed:
        click.echo(f"{len(summary.malformed)} malformed rows skipped:")
        for line, reason in summary.malformed[:50]:
            click.echo(f"  line {line}: {reason}")
        if len(summary.malformed) > 50:
            click.echo(f"  … and {len(summary.malformed) - 50} more")


@group.command("staff")
@click.option(
    "--offered", type=click.FloatRange(min=0), required=True, help="Calls offered in the interval."
)
@click.option("--aht", type=click.FloatRange(min=1), required=True, help="Mean handling time, s.")
@click.option(
    "--patience", type=click.FloatRange(min=1), required=True, help="Callers' mean patience, s."
)
@click.option("--interval-s", type=click.IntRange(min=60), default=1800, show_default=True)
@click.option(
    "--target-answer-rate", type=click.FloatRange(0.5, 0.9999), default=0.98, show_default=True
)
def staff_command(
    offered: float, aht: float, patience: float, interval_s: int, target_answer_rate: float
) -> None:
    """Print the agents needed on the phones for an answer-rate target (Erlang A)."""
    agents = erlang.agents_for_answer_rate(offered, interval_s, aht, patience, target_answer_rate)
    result = erlang.erlang_a(offered / interval_s, aht, patience, agents)
    click.echo(agents)
    click.echo(
        f"answer rate {result['answer_rate']:.4f}, waiting {result['p_wait']:.4f}, "
        f"load {offered / interval_s * aht:.2f} Erlangs",
        err=True,
    )


@group.command("plan")
@click.option("--queue", required=True)
@click.option("--start", type=click.DateTime(formats=["%Y-%m-%d"]), required=True)
@click.option("--days", type=click.IntRange(1, 28), default=7, show_default=True)
@click.option("--tz", default="Asia/Tokyo", show_default=True)
@click.option(
    "--target-answer-rate", type=click.FloatRange(0.5, 0.9999), default=0.98, show_default=True
)
@click.option("--shrinkage", type=click.FloatRange(0.0, 0.9), default=0.0, show_default=True)
@click.option(
    "--interval",
    type=click.FloatRange(0.5, 0.99),
    default=None,
    help="Size agents for this quantile of the forecast (e.g. 0.8): a buffer from backtest errors.",
)
@click.option(
    "--pooled",
    is_flag=True,
    help="Meet the target over all the intervals together, not in each one (fewer hours).",
)
@click.option(
    "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True
)
def plan_command(
    queue: str,
    start: datetime,
    days: int,
    tz: str,
    target_answer_rate: float,
    shrinkage: float,
    interval: float | None,
    pooled: bool,
    output: Path,
) -> None:
    """Write interval_start,forecast_offered,required_agents,scheduled_agents for each half hour."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {tz!r}", param_hint="--tz") from None
    set_scope(db.session, SYSTEM)
    try:
        predicted = forecast.forecast_days(queue, start.date(), days, zone)
        rows = forecast.plan_rows(
            queue,
            predicted,
            target=target_answer_rate,
            shrinkage=shrinkage,
            interval=interval,
            pooled=pooled,
        )
    except LookupError as missing:
        raise click.ClickException(str(missing)) from None
    with output.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["interval_start", "forecast_offered", "required_agents", "scheduled_agents"]
        )
        for row in rows:
            writer.writerow(
                [
                    row.interval_start.isoformat(),
                    row.forecast_offered,
                    row.required_agents,
                    row.scheduled_agents,
                ]
            )
    hours = sum(r.scheduled_agents for r in rows) / 2
    tested = predicted.backtest
    click.echo(
        f"Forecast by {predicted.method}"
        + (
            f" (backtest over {tested.weeks} weeks: WAPE {tested.wape:.4f}, MASE {tested.mase:.4f})"
            if tested.weeks
            else ""
        )
    )
    for name, result in predicted.contenders.items():
        if result.weeks:
            click.echo(f"  {name}: WAPE {result.wape:.4f}, MASE {result.mase:.4f}")
    click.echo(f"Wrote {len(rows)} intervals to {output}: {hours:.1f} scheduled agent-hours.")


@group.command("simulate")
@click.option("--queue", required=True)
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="A CSV written by `scheduling plan`.",
)
@click.option("--seed", type=int, default=1, show_default=True)
def simulate_command(queue: str, plan_file: Path, seed: int) -> None:
    """Replay the queue's recorded demand of the plan's intervals against its scheduled agents."""
    try:
        with plan_file.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        starts = [datetime.fromisoformat(r["interval_start"]) for r in rows]
        agents = [int(r["scheduled_agents"]) for r in rows]
    except (KeyError, ValueError) as problem:
        raise click.ClickException(f"{plan_file} is not a plan CSV: {problem}") from None
    if not starts:
        raise click.ClickException(f"{plan_file} has no intervals")
    set_scope(db.session, SYSTEM)
    found = forecast.estimates_by_slot(queue, starts)
    if found is None:
        raise click.ClickException(f"queue {queue!r} has no answered calls before the plan")
    result = measures.replay(
        measures.recorded_offered(queue, starts),
        agents,
        found,
        seed=seed,
        sl_threshold_s=settings_from(current_app.config).sl_threshold_s,
    )
    hours = sum(agents) / 2
    click.echo(
        f"Replayed {result.offered} calls against {hours:.1f} agent-hours: answer rate "
        f"{result.answer_rate:.4f}, service level {result.service_level:.4f}, "
        f"ASA {result.asa:.1f} s."
    )


@group.command("create-team")
@click.argument("name")
@click.option("--leader", help="E-mail of the supervisor who leads the team.")
@click.argument("operators", nargs=-1, required=True)
def create_team_command(name: str, leader: str | None, operators: tuple[str, ...]) -> None:
    """A team of 8–12 operators, named by their e-mail addresses."""
    set_scope(db.session, SYSTEM)
    people = [user_by_email(email) for email in operators]
    try:
        team = services.create_team(
            name, leader=user_by_email(leader) if leader else None, operators=people
        )
    except services.TeamRefused as refused:
        raise click.ClickException(str(refused)) from None
    db.session.commit()
    click.echo(f"Team {team.name}: {len(people)} operators.")


@group.command("create-queue")
@click.argument("key")
@click.argument("name")
def create_queue_command(key: str, name: str) -> None:
    """A queue operators can have as a skill: KEY is what calls, skills and history use (it never
    changes), NAME what staff read (rename it on /staff/queues/)."""
    set_scope(db.session, SYSTEM)
    try:
        queue = queues.create(key, name, actor=None, ip=None)
    except queues.QueueRefused as refused:
        raise click.ClickException(str(refused)) from None
    db.session.commit()
    click.echo(f"Queue {queue.key}: {queue.name}")


@group.command("skills")
@click.argument("email")
@click.argument("queues", nargs=-1)
def skills_command(email: str, queues: tuple[str, ...]) -> None:
    """Set the queues an operator may serve (none: no queue)."""
    set_scope(db.session, SYSTEM)
    try:
        kept = rosters.set_skills(user_by_email(email), queues)
    except rosters.WorkforceRefused as refused:
        raise click.ClickException(str(refused)) from None
    db.session.commit()
    click.echo(f"{email}: {', '.join(kept) or 'no queue'}")


def user_by_email(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no user {email}")
    return user


def init_app(app: Flask) -> None:
    from scheduling import shift_cli  # noqa: F401 - adds `scheduling shifts` to the group

    app.cli.add_command(group)
