"""What the supervisor's week page shows for a queue: forecast with its interval and backtest
error, actual calls, required and rostered agents, the roster by day and its answer rate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from scheduling import erlang, forecast, measures
from scheduling.forecast import SLOT
from scheduling.models import DemandInterval, Roster, RosteredShift, Team, TeamMember
from tenants.db import db
from tenants.models import User

INTERVAL_LEVELS = (0.1, 0.9)  # the band drawn around the forecast: 80 % of backtest errors


@dataclass
class WeekRow:
    start: datetime
    forecast: float
    low: float
    high: float
    actual: float | None
    required: int
    scheduled: int
    rostered: int


@dataclass
class RosterLine:
    """One operator's week in the roster (operator None: shifts nobody available could take)."""

    team: str
    operator: User | None
    cells: list[list[RosteredShift]]  # per day of the week
    hours: float = 0.0


@dataclass
class WeekView:
    queue: str
    first_day: date
    tz: ZoneInfo
    rows: list[WeekRow]
    forecast: forecast.Forecast
    roster: Roster | None
    lines: list[RosterLine]
    answer_rate: float | None
    answer_rate_replayed: bool

    @property
    def has_actuals(self) -> bool:
        return any(row.actual is not None for row in self.rows)


def queues() -> list[str]:
    return list(
        db.session.scalars(
            select(DemandInterval.queue)
            .group_by(DemandInterval.queue)
            .order_by(DemandInterval.queue)
        )
    )


def last_recorded_day(queue: str, tz: ZoneInfo) -> date | None:
    latest = db.session.scalar(
        select(func.max(DemandInterval.interval_start)).where(DemandInterval.queue == queue)
    )
    return latest.astimezone(tz).date() if latest else None


def on_duty(shifts: list[RosteredShift], starts: list[datetime]) -> list[int]:
    """Operators working (assigned, not on break) at the start of each interval."""
    counts = []
    for moment in starts:
        counts.append(
            sum(
                1
                for s in shifts
                if s.operator_id is not None
                and s.starts_at <= moment < s.ends_at
                and not (
                    s.break_starts_at is not None
                    and s.break_ends_at is not None
                    and s.break_starts_at <= moment < s.break_ends_at
                )
            )
        )
    return counts


def queue_shifts(queue: str, first: datetime, end: datetime) -> list[RosteredShift]:
    """Shifts of every roster of the queue under way in [first, end): the week's own, and the
    week before's that run into it."""
    return list(
        db.session.scalars(
            select(RosteredShift)
            .join(Roster, Roster.id == RosteredShift.roster_id)
            .where(
                Roster.queue == queue,
                RosteredShift.starts_at < end,
                RosteredShift.ends_at > first,
            )
        )
    )


def roster_lines(roster: Roster, tz: ZoneInfo) -> list[RosterLine]:
    """The roster as a grid: a line per operator (by team, then name), a cell per day."""
    teams = dict(
        db.session.execute(
            select(TeamMember.user_id, Team.name).join(Team, Team.id == TeamMember.team_id)
        ).all()
    )
    lines: dict[object, RosterLine] = {}
    for shift in roster.shifts:
        line = lines.get(shift.operator_id)
        if line is None:
            team = teams.get(shift.operator_id, "") if shift.operator_id else ""
            cells: list[list[RosteredShift]] = [[] for _ in range(roster.days)]
            line = lines[shift.operator_id] = RosterLine(team, shift.operator, cells)
        day = (shift.starts_at.astimezone(tz).date() - roster.first_day).days
        line.cells[min(max(day, 0), roster.days - 1)].append(shift)
        line.hours += shift.work_minutes / 60
    return sorted(
        lines.values(),
        key=lambda line: (
            line.operator is None,
            line.team,
            line.operator.display_name if line.operator else "",
        ),
    )


def week_view(
    queue: str, first_day: date, tz: ZoneInfo, *, target: float = 0.98, shrinkage: float = 0.0
) -> WeekView:
    predicted = forecast.forecast_days(queue, first_day, 7, tz)
    rows_of_plan = forecast.plan_rows(
        queue, predicted, target=target, shrinkage=shrinkage, interval=None
    )
    starts = [row.interval_start for row in rows_of_plan]
    low, high = predicted.bound(INTERVAL_LEVELS[0]), predicted.bound(INTERVAL_LEVELS[1])
    recorded = forecast.offered_between(queue, starts[0], starts[-1] + SLOT)
    by_moment = {moment.timestamp(): value for moment, value in recorded.items()}
    roster = db.session.scalar(
        select(Roster).where(Roster.queue == queue, Roster.first_day == first_day)
    )
    coverage = (
        on_duty(queue_shifts(queue, starts[0], starts[-1] + SLOT), starts)
        if roster
        else [0] * len(starts)
    )
    rows = []
    for index, (plan_row, agents) in enumerate(zip(rows_of_plan, coverage, strict=True)):
        rows.append(
            WeekRow(
                plan_row.interval_start,
                plan_row.forecast_offered,
                float(low[index]),
                float(high[index]),
                by_moment.get(plan_row.interval_start.timestamp()),
                plan_row.required_agents,
                plan_row.scheduled_agents,
                agents,
            )
        )
    rate, replayed = answer_rate(queue, rows, coverage if roster else None)
    lines = roster_lines(roster, tz) if roster else []
    return WeekView(queue, first_day, tz, rows, predicted, roster, lines, rate, replayed)


def answer_rate(
    queue: str, rows: list[WeekRow], coverage: list[int] | None
) -> tuple[float | None, bool]:
    """The roster's answer rate: replayed on the recorded calls when the week has them, else what
    Erlang A expects on the forecast."""
    if coverage is None:
        return None, False
    found = forecast.estimates_by_slot(queue, [row.start for row in rows])
    if found is None:
        return None, False
    actual = [row.actual or 0.0 for row in rows]
    if sum(actual):
        return measures.replay(actual, coverage, found).answer_rate, True
    offered = sum(row.forecast for row in rows)
    if not offered:
        return 1.0, False
    answered = sum(
        row.forecast
        * erlang.erlang_a(
            row.forecast / SLOT.total_seconds(),
            float(found.aht_s[i]),
            float(found.patience_s[i]),
            n,
        )["answer_rate"]
        for i, (row, n) in enumerate(zip(rows, coverage, strict=True))
        if row.forecast
    )
    return answered / offered, False


def chart_points(values: list[float], top: float, width: float, height: float) -> str:
    """SVG polyline points for `values`, scaled to `top` at the top edge."""
    step = width / max(len(values), 1)
    scale = height / top if top else 0.0
    return " ".join(f"{i * step:.1f},{height - v * scale:.1f}" for i, v in enumerate(values))


def step_points(values: list[int], top: float, width: float, height: float) -> str:
    """SVG points of a step line: flat through each interval."""
    step = width / max(len(values), 1)
    scale = height / top if top else 0.0
    points = []
    for i, v in enumerate(values):
        y = height - v * scale
        points.append(f"{i * step:.1f},{y:.1f} {(i + 1) * step:.1f},{y:.1f}")
    return " ".join(points)


@dataclass
class DayTotals:
    day: date
    forecast: float = 0.0
    actual: float | None = None
    required_hours: float = 0.0
    scheduled_hours: float = 0.0
    rostered_hours: float = 0.0


def day_totals(rows: list[WeekRow], tz: ZoneInfo) -> list[DayTotals]:
    days: dict[date, DayTotals] = {}
    for row in rows:
        day = row.start.astimezone(tz).date()
        entry = days.setdefault(day, DayTotals(day))
        entry.forecast += row.forecast
        if row.actual is not None:
            entry.actual = (entry.actual or 0.0) + row.actual
        entry.required_hours += row.required / 2
        entry.scheduled_hours += row.scheduled / 2
        entry.rostered_hours += row.rostered / 2
    return [days[d] for d in sorted(days)]
