"""Jobs of the workforce: building a roster asked for from the week page."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from scheduling import forecast, rosters
from scheduling.models import RosterBuild, Team
from scheduling.pooled_shifts import AnswerRateGoal
from scheduling.roster_building import RosterInfeasible, Short, generate_roster
from scheduling.rosters import moment
from scheduling.shifts import NoShifts
from tenants.db import db, utcnow
from tenants.jobs import task
from tenants.models import User

TARGET = 0.98
TIME_LIMIT_S = 10.0


class NoOperators(Exception):
    """No operator of the chosen teams has the queue's skill."""


@task
def build_roster(*, build_id: str) -> None:
    """Build and publish the roster a supervisor asked for; the build says how it went. Run
    twice, it builds once."""
    build = db.session.get(RosterBuild, uuid.UUID(build_id))
    if build is None or build.state != "queued":
        return
    try:
        with db.session.begin_nested():  # a refusal leaves nothing half-written
            outcome = built(build)
    except RosterInfeasible as refused:
        build.state = "failed"
        build.outcome = {"reason": "infeasible", "short": spans(build, refused.short)}
    except NoShifts:
        build.state = "failed"
        build.outcome = {"reason": "infeasible", "short": []}
    except NoOperators:
        build.state = "failed"
        build.outcome = {"reason": "no_operators"}
    except LookupError:
        build.state = "failed"
        build.outcome = {"reason": "no_history"}
    else:
        build.state, build.outcome = "done", outcome
    build.finished_at = utcnow()


def built(build: RosterBuild) -> dict[str, Any]:
    tz = ZoneInfo(build.tz)
    teams = list(
        db.session.scalars(select(Team).where(Team.id.in_(uuid.UUID(t) for t in build.team_ids)))
    )
    operators = rosters.operators_for(build.queue, teams) if teams else []
    if not operators:
        raise NoOperators(build.queue)
    predicted = forecast.forecast_days(build.queue, build.first_day, 7, tz)
    plan = forecast.plan_rows(build.queue, predicted, target=TARGET, shrinkage=0.0, interval=None)
    goal = None
    if build.pooled:
        found = forecast.estimates_by_slot(build.queue, predicted.starts)
        if found is None:
            raise LookupError(build.queue)
        goal = AnswerRateGoal(
            list(predicted.values),
            forecast.SLOT.total_seconds(),
            list(found.aht_s),
            list(found.patience_s),
            TARGET,
        )
    actor = db.session.get(User, build.requested_by) if build.requested_by else None
    result = generate_roster(
        build.queue,
        build.first_day,
        tz,
        [row.scheduled_agents for row in plan],
        operators,
        actor=actor,
        time_limit_s=TIME_LIMIT_S,
        goal=goal,
    )
    return {
        "shifts": len(result.plan.shifts),
        "paid_hours": result.plan.paid_hours,
        "unassigned": result.assignment.unassigned,
        "short": spans(build, result.short),
    }


def spans(build: RosterBuild, short: list[Short]) -> list[dict[str, Any]]:
    """Where operators are missing, as moments (ISO 8601) with the agents asked and available."""
    tz = ZoneInfo(build.tz)
    return [
        {
            "start": moment(build.first_day, tz, first).isoformat(),
            "end": moment(build.first_day, tz, end).isoformat(),
            "asked": asked,
            "available": available,
        }
        for first, end, asked, available in short
    ]


def parse_spans(outcome: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The spans of an outcome with their moments as datetimes, for the page."""
    return [
        {
            **span,
            "start": datetime.fromisoformat(span["start"]),
            "end": datetime.fromisoformat(span["end"]),
        }
        for span in (outcome or {}).get("short", [])
    ]
