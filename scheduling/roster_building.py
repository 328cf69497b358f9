"""Building a queue's roster for real dates: the shifts chosen, given to operators, published.

A roster is not a week that repeats. The week before it (or after it) may already be published,
for this queue or another: its shifts that run into this week are on the phones already (carried
coverage), the rest after them holds in this week too, and the hours and days an operator works
in a calendar week (Monday to Sunday, a shift counting in the week it starts) are counted across
every roster of that week. A shift that starts on the last evening runs into the next week, which
counts it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from scheduling.assignment import Assignment, Candidate, assign, can_work
from scheduling.models import Roster, RosteredShift
from scheduling.pooled_shifts import AnswerRateGoal, choose_shifts_for_answer_rate
from scheduling.rosters import active_patterns, available_slots, moment, rostered
from scheduling.shifts import (
    SLOTS_PER_DAY,
    LabourRules,
    NoShifts,
    Shift,
    ShiftPlan,
    choose_shifts,
    short_intervals,
)
from tenants.db import db, new_id, utcnow
from tenants.models import User

SLOT_S = 1800
Short = tuple[int, int, int, int]  # first slot, end slot, agents asked, operators available


@dataclass
class RosterResult:
    roster: Roster
    plan: ShiftPlan
    assignment: Assignment
    short: list[Short] = field(default_factory=list)  # where too few operators can work


class RosterInfeasible(NoShifts):
    """No roster meets the goal: `short` says where too few operators can work (may be empty
    when the operators' weekly hours and days are what runs out)."""

    def __init__(self, message: str, short: list[Short]) -> None:
        super().__init__(message)
        self.short = short


def slot_of(at: datetime, start: datetime) -> int:
    """The half hour of the horizon (from `start`) a moment falls in; negative before it."""
    return math.floor((at - start).total_seconds() / SLOT_S)


def published_around(
    operator_ids: Sequence[object], first: datetime, end: datetime, replaced: Roster | None
) -> list[RosteredShift]:
    """Shifts of these operators on every roster (any queue) from eight days before `first` to
    eight days after `end`, the roster about to be replaced left out."""
    query = select(RosteredShift).where(
        RosteredShift.operator_id.in_(operator_ids),
        RosteredShift.ends_at > first - timedelta(days=8),
        RosteredShift.starts_at < end + timedelta(days=8),
    )
    if replaced is not None:
        query = query.where(RosteredShift.roster_id != replaced.id)
    return list(db.session.scalars(query))


def carried_coverage(
    queue: str, first: datetime, horizon: int, replaced: Roster | None
) -> list[int]:
    """Operators of the queue's other rosters on the phones in each slot (not on break)."""
    end = first + timedelta(seconds=horizon * SLOT_S)
    query = (
        select(RosteredShift)
        .join(Roster, Roster.id == RosteredShift.roster_id)
        .where(
            Roster.queue == queue,
            RosteredShift.operator_id.is_not(None),
            RosteredShift.starts_at < end,
            RosteredShift.ends_at > first,
        )
    )
    if replaced is not None:
        query = query.where(Roster.id != replaced.id)
    on_duty = [0] * horizon
    for shift in db.session.scalars(query):
        pause = (
            range(slot_of(shift.break_starts_at, first), slot_of(shift.break_ends_at, first))
            if shift.break_starts_at and shift.break_ends_at
            else range(0)
        )
        for slot in range(
            max(slot_of(shift.starts_at, first), 0), min(slot_of(shift.ends_at, first), horizon)
        ):
            if slot not in pause:
                on_duty[slot] += 1
    return on_duty


def candidates_for(
    operators: Sequence[User],
    first_day: date,
    tz: ZoneInfo,
    days: int,
    rules: LabourRules,
    replaced: Roster | None,
) -> list[Candidate]:
    """Each operator's slots (availability and leave, one day past the horizon for a shift that
    runs over its end) less those the rest around their other published shifts forbids, and the
    hours and shifts they already work in each calendar week."""
    first = moment(first_day, tz, 0)
    end = moment(first_day, tz, days * SLOTS_PER_DAY)
    monday = first_day - timedelta(days=first_day.weekday())
    rest = round(rules.min_rest_hours * 2)
    elsewhere: dict[object, list[RosteredShift]] = {}
    for shift in published_around([u.id for u in operators], first, end, replaced):
        elsewhere.setdefault(shift.operator_id, []).append(shift)
    people = []
    for user in operators:
        slots = set(available_slots(user, first_day, days + 1))
        committed: dict[int, tuple[int, int]] = {}
        for shift in elsewhere.get(user.id, []):
            begin, finish = slot_of(shift.starts_at, first), slot_of(shift.ends_at, first)
            slots.difference_update(range(begin - rest, finish + rest))
            week = (shift.starts_at.astimezone(tz).date() - monday).days // 7
            worked, count = committed.get(week, (0, 0))
            committed[week] = (worked + shift.work_minutes // 30, count + 1)
        people.append(Candidate(str(user.id), frozenset(slots), committed=committed))
    return people


def generate_roster(
    queue: str,
    first_day: date,
    tz: ZoneInfo,
    requirement: Sequence[int],
    operators: Sequence[User],
    *,
    rules: LabourRules | None = None,
    actor: User | None = None,
    time_limit_s: float = 20.0,
    goal: AnswerRateGoal | None = None,
) -> RosterResult:
    """Choose the shifts of least paid hours, give them to `operators`, publish the roster.

    The shift choice knows who can work each slot and day and the hours they can still give, so
    the shifts it picks can be handed out. Per interval (no `goal`), a slot nobody available can
    cover is left short and reported; for the week's answer rate (`goal`), a week that cannot
    reach it is refused (`RosterInfeasible`, saying where operators are missing). The roster
    replaces the queue's earlier one for the same days.
    """
    rules = rules or LabourRules()
    horizon = len(requirement)
    days = horizon // SLOTS_PER_DAY
    replaced = db.session.scalar(
        select(Roster).where(Roster.queue == queue, Roster.first_day == first_day)
    )
    people = candidates_for(operators, first_day, tz, days, rules, replaced)
    carried = carried_coverage(queue, moment(first_day, tz, 0), horizon, replaced)
    per_slot = [sum(1 for p in people if slot in p.available) for slot in range(horizon)]
    per_day = [
        sum(1 for p in people if any(s // SLOTS_PER_DAY == d for s in p.available))
        for d in range(days)
    ]
    touched = range((first_day.weekday() + days - 1) // 7 + 1)  # calendar weeks of the horizon
    open_hours = sum(
        max(rules.max_weekly_hours - p.committed.get(week, (0, 0))[0] / 2, 0.0)
        for p in people
        for week in touched
    )
    short = (
        short_intervals(
            [max(r - c, 0) for r, c in zip(requirement, carried, strict=True)], per_slot
        )
        if people
        else []
    )

    def allowed(shift: Shift) -> bool:
        return any(can_work(p, shift, horizon, wrap=False) for p in people)

    limits: dict[str, Any] = {"carried": carried, "wrap": False, "time_limit_s": time_limit_s}
    if people:  # without operators: a draft of the shifts alone
        limits.update(
            operators_per_day=per_day,
            max_paid_hours=open_hours,
            allowed=allowed,
            available_per_slot=per_slot,
        )
    patterns = active_patterns(rules)
    try:
        if goal is None:
            plan = choose_shifts(requirement, patterns, rules, **limits)
        else:
            plan = choose_shifts_for_answer_rate(
                goal.offered,
                goal.interval_s,
                goal.aht,
                goal.patience,
                goal.target,
                patterns,
                rules,
                **limits,
            )
    except NoShifts as refused:
        raise RosterInfeasible(str(refused), short) from None
    assignment = assign(
        plan.shifts,
        people,
        horizon,
        rules,
        wrap=False,
        first_weekday=first_day.weekday(),
        time_limit_s=time_limit_s,
    )
    if replaced is not None:
        db.session.execute(delete(Roster).where(Roster.id == replaced.id))
    roster = Roster(
        id=new_id(),
        queue=queue,
        first_day=first_day,
        days=days,
        tz=tz.key,
        required_slots=sum(requirement),
        paid_slots=sum(s.work_slots for s in plan.shifts),
        optimal=plan.optimal,
        created_at=utcnow(),
        created_by=actor.id if actor else None,
    )
    by_key = {str(user.id): user.id for user in operators}
    roster.shifts = [
        rostered(shift, first_day, tz, by_key.get(key) if key else None)
        for shift, key in zip(plan.shifts, assignment.operator_of, strict=True)
    ]
    db.session.add(roster)
    return RosterResult(roster, plan, assignment, short if goal is None else [])
