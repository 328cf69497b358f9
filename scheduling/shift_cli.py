"""`flask scheduling shifts`: shifts (and, with --team, a published roster) for a queue's plan."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from flask import current_app
from sqlalchemy import select

from scheduling import forecast, measures, roster_building, rosters
from scheduling.cli import group
from scheduling.models import Team
from scheduling.pooled_shifts import AnswerRateGoal
from scheduling.shifts import LabourRules, NoShifts
from tenants.config import settings_from
from tenants.db import db
from tenants.models import User
from tenants.scoping import SYSTEM, set_scope


@group.command("shifts")
@click.option("--queue", required=True)
@click.option("--start", type=click.DateTime(formats=["%Y-%m-%d"]), required=True)
@click.option("--days", type=click.IntRange(1, 28), default=7, show_default=True)
@click.option("--tz", default="Asia/Tokyo", show_default=True)
@click.option(
    "--target-answer-rate", type=click.FloatRange(0.5, 0.9999), default=0.98, show_default=True
)
@click.option("--shrinkage", type=click.FloatRange(0.0, 0.9), default=0.0, show_default=True)
@click.option(
    "--pooled", is_flag=True, help="Plan for the target over the week, not each interval."
)
@click.option("--team", "team_names", multiple=True, help="Roster these teams' operators.")
@click.option("--max-daily-hours", type=click.FloatRange(1, 12), default=8.0, show_default=True)
@click.option("--max-weekly-hours", type=click.FloatRange(1, 60), default=40.0, show_default=True)
@click.option("--min-rest-hours", type=click.FloatRange(0, 24), default=11.0, show_default=True)
@click.option("--time-limit", type=click.FloatRange(1, 600), default=30.0, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
def shifts_command(
    queue: str,
    start: datetime,
    days: int,
    tz: str,
    target_answer_rate: float,
    shrinkage: float,
    pooled: bool,
    team_names: tuple[str, ...],
    max_daily_hours: float,
    max_weekly_hours: float,
    min_rest_hours: float,
    time_limit: float,
    seed: int,
) -> None:
    """Shifts of the fewest paid hours that cover the plan's agents in every half hour."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {tz!r}", param_hint="--tz") from None
    rules = LabourRules(max_daily_hours, max_weekly_hours, min_rest_hours)
    set_scope(db.session, SYSTEM)
    teams = []
    for name in team_names:
        team = db.session.scalar(select(Team).where(Team.name == name))
        if team is None:
            raise click.BadParameter(f"no team named {name!r}", param_hint="--team")
        teams.append(team)
    if pooled and shrinkage:
        raise click.BadParameter("--pooled plans operators on the phones: no shrinkage")
    try:
        predicted = forecast.forecast_days(queue, start.date(), days, zone)
        plan = forecast.plan_rows(
            queue, predicted, target=target_answer_rate, shrinkage=shrinkage, interval=None
        )
        found = forecast.estimates_by_slot(queue, predicted.starts)
    except LookupError as missing:
        raise click.ClickException(str(missing)) from None
    requirement = [row.scheduled_agents for row in plan]
    operators = rosters.operators_for(queue, teams) if teams else []
    if teams and not operators:
        raise click.ClickException(f"no operator of {', '.join(team_names)} has the skill {queue}")
    goal = None
    if pooled and found is not None:
        goal = AnswerRateGoal(
            list(predicted.values),
            forecast.SLOT.total_seconds(),
            list(found.aht_s),
            list(found.patience_s),
            target_answer_rate,
        )
    try:
        result = roster_building.generate_roster(
            queue,
            start.date(),
            zone,
            requirement,
            operators,
            rules=rules,
            time_limit_s=time_limit,
            goal=goal,
        )
    except roster_building.RosterInfeasible as refused:
        where = "; ".join(
            f"{rosters.moment(start.date(), zone, first).astimezone(zone):%a %m-%d %H:%M}"
            f"–{rosters.moment(start.date(), zone, end).astimezone(zone):%H:%M} "
            f"needs {asked}, {available} can work"
            for first, end, asked, available in refused.short
        )
        raise click.ClickException(f"{refused} {where}".strip()) from None
    except (NoShifts, ValueError) as refused:
        raise click.ClickException(str(refused)) from None
    shift_plan = result.plan
    click.echo("interval_start             required scheduled")
    for row, on_duty in zip(plan, shift_plan.coverage, strict=True):
        if row.scheduled_agents or on_duty:
            click.echo(f"{row.interval_start.isoformat()}  {row.scheduled_agents:8d} {on_duty:9d}")
    by_pattern = Counter(f"{s.work_slots / 2:g} h" for s in shift_plan.shifts)
    click.echo(
        "Shifts: "
        + ", ".join(f"{count} × {name}" for name, count in sorted(by_pattern.items()))
        + f" ({'proven optimal' if shift_plan.optimal else 'best found'} "
        f"in {shift_plan.seconds:.2f} s)"
    )
    paid, required = shift_plan.paid_hours, shift_plan.required_hours
    click.echo(
        f"Paid hours {paid:.1f}; required agent-hours {required:.1f}; "
        f"paid ÷ required {paid / required if required else 1:.4f}"
    )
    if shift_plan.shortfall_hours and not pooled:
        click.echo(
            f"Nobody available covers {shift_plan.shortfall_hours:.1f} of the required "
            "agent-hours: add operators, availability or skills."
        )
    measure(queue, plan, shift_plan.coverage, target_answer_rate, seed)
    if teams:
        report_roster(result, operators)
        db.session.commit()
    else:
        db.session.rollback()  # without operators the roster is only a draft


def measure(
    queue: str, plan: list[forecast.PlanRow], coverage: list[int], target: float, seed: int
) -> None:
    """When the queue recorded the plan's days: perfect-knowledge hours and replayed answer rates."""
    starts = [row.interval_start for row in plan]
    offered = measures.recorded_offered(queue, starts)
    found = forecast.estimates_by_slot(queue, starts)
    if not sum(offered) or found is None:
        return
    perfect = sum(measures.perfect_knowledge(offered, found, target)) / 2
    paid = sum(coverage) / 2
    click.echo(
        f"Perfect knowledge of the recorded calls ({int(sum(offered))}) needs {perfect:.1f} "
        f"agent-hours; paid ÷ perfect {paid / perfect if perfect else 1:.4f}"
    )
    sl = settings_from(current_app.config).sl_threshold_s
    for label, agents in (
        ("the plan's agents", [row.scheduled_agents for row in plan]),
        ("the shifts", coverage),
    ):
        result = measures.replay(offered, agents, found, seed=seed, sl_threshold_s=sl)
        click.echo(
            f"Replayed against {label}: answer rate {result.answer_rate:.4f}, "
            f"service level {result.service_level:.4f}, ASA {result.asa:.1f} s"
        )


def report_roster(result: roster_building.RosterResult, operators: list[User]) -> None:
    hours = result.assignment.hours_by_operator(result.plan.shifts)
    names = {str(user.id): user.display_name for user in operators}
    click.echo(
        f"Roster of {len(operators)} operators published "
        f"({'proven optimal' if result.assignment.optimal else 'best found'} "
        f"in {result.assignment.seconds:.2f} s):"
    )
    for key, name in sorted(names.items(), key=lambda item: item[1]):
        click.echo(f"  {name}: {hours.get(key, 0.0):.1f} h")
    if hours:
        click.echo(
            f"Hours per operator from {min(hours.values()):.1f} to {max(hours.values()):.1f}"
        )
    if result.assignment.unassigned:
        click.echo(
            f"{result.assignment.unassigned} shifts have nobody available: "
            "add operators, availability or skills."
        )
