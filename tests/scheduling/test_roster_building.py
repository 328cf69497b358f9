"""Rosters of real dates: availability and leave bind pooled rosters too, and the week before
counts (its shifts still on the phones, the rest after them, the hours of the calendar week)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from scheduling import erlang, roster_building, rosters
from scheduling.models import Roster, RosteredShift
from scheduling.pooled_shifts import AnswerRateGoal
from tenants.db import db, new_id, utcnow
from tenants.models import User
from tests.conftest import system
from tests.factories import add_queues
from tests.scheduling.test_services import operators

TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY = date(2026, 11, 30)
WEEK = 7 * 48


def skilled(count: int, prefix: str = "op") -> list[User]:
    crew = operators(count, prefix)
    add_queues("q")
    for person in crew:
        rosters.set_skills(person, ["q"])
    return crew


def monday_morning_goal(calls: float = 10.0) -> tuple[AnswerRateGoal, list[int]]:
    """`calls` per half hour on Monday 09:00–17:00, nothing else in the week."""
    offered = [0.0] * WEEK
    for slot in range(18, 34):
        offered[slot] = calls
    aht, patience = [180.0] * WEEK, [120.0] * WEEK
    requirement = [int(n) for n in erlang.agents_for_answer_rates(offered, 1800, aht, patience)]
    return AnswerRateGoal(offered, 1800, aht, patience, 0.98), requirement


def published(operator: User, starts: datetime, hours: int, first_day: date) -> None:
    """A shift of `operator` on the queue's roster of `first_day` (published by hand)."""
    roster = db.session.scalar(
        db.select(Roster).where(Roster.queue == "q", Roster.first_day == first_day)
    )
    if roster is None:
        roster = Roster(
            id=new_id(),
            queue="q",
            first_day=first_day,
            days=7,
            tz="Asia/Tokyo",
            required_slots=0,
            paid_slots=0,
            optimal=True,
            created_at=utcnow(),
        )
        db.session.add(roster)
    roster.shifts.append(
        RosteredShift(
            id=new_id(),
            operator_id=operator.id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=hours + (1 if hours > 6 else 0)),
            work_minutes=hours * 60,
        )
    )
    db.session.flush()


def test_a_pooled_roster_never_gives_a_shift_to_an_operator_on_leave(app: Flask) -> None:
    with system(app):
        on_leave, mornings, *anytime = skilled(4)
        rosters.add_leave(on_leave, MONDAY, MONDAY + timedelta(days=6), "holiday")
        rosters.add_availability(mornings, 0, time(9), time(13))  # Mondays 09:00–13:00 only
        goal, requirement = monday_morning_goal(calls=3.0)
        result = roster_building.generate_roster(
            "q", MONDAY, TOKYO, requirement, [on_leave, mornings, *anytime], goal=goal
        )
        given = [s.operator_id for s in result.roster.shifts]
        assert given
        assert on_leave.id not in given
        assert result.assignment.unassigned == 0  # only shifts someone can work were chosen
        for shift in result.roster.shifts:
            if shift.operator_id == mornings.id:
                local = shift.starts_at.astimezone(TOKYO)
                assert local.weekday() == 0
                assert time(9) <= local.time()
                assert shift.ends_at.astimezone(TOKYO).time() <= time(13)


def test_a_week_the_operators_cannot_staff_says_where(app: Flask) -> None:
    with system(app):
        (solo,) = skilled(1)
        rosters.add_availability(solo, 0, time(9), time(11))
        goal, requirement = monday_morning_goal(calls=30.0)
        with pytest.raises(roster_building.RosterInfeasible) as refused:
            roster_building.generate_roster("q", MONDAY, TOKYO, requirement, [solo], goal=goal)
        assert (18, 22, requirement[18], 1) in refused.value.short  # Monday 09:00–11:00: one
        assert (22, 34, requirement[22], 0) in refused.value.short  # 11:00–17:00: nobody
        assert db.session.scalar(db.select(Roster)) is None  # nothing published


def test_last_weeks_night_shift_covers_monday_and_its_rest_holds(app: Flask) -> None:
    with system(app):
        night, day = skilled(2)
        # Sunday 22:00 to Monday 02:00 on last week's roster.
        published(night, datetime(2026, 11, 29, 22, tzinfo=TOKYO), 4, MONDAY - timedelta(weeks=1))
        requirement = [0] * WEEK
        for slot in [*range(0, 4), *range(12, 20)]:  # Monday 00:00–02:00 and 06:00–10:00
            requirement[slot] = 1
        result = roster_building.generate_roster("q", MONDAY, TOKYO, requirement, [night, day])
        assert result.plan.coverage[0:4] == [1, 1, 1, 1]  # last week's shift is on the phones
        assert [(s.start, s.work_slots) for s in result.plan.shifts] == [(12, 8)]
        (shift,) = result.roster.shifts
        assert shift.operator_id == day.id  # the night operator rests until 13:00


def test_forty_hours_count_per_calendar_week_across_rosters(app: Flask) -> None:
    with system(app):
        (worker,) = skilled(1)
        for day in range(4):  # Monday to Thursday, 8 hours each, on the roster of the week
            published(
                worker, datetime(2026, 11, 30, 9, tzinfo=TOKYO) + timedelta(days=day), 8, MONDAY
            )
        friday = MONDAY + timedelta(days=4)
        requirement = [0] * WEEK
        for day in range(7):
            for slot in range(day * 48 + 18, day * 48 + 26):  # 09:00–13:00 every day
                requirement[slot] = 1
        result = roster_building.generate_roster("q", friday, TOKYO, requirement, [worker])
        theirs = [s for s in result.roster.shifts if s.operator_id == worker.id]
        next_monday = datetime(2026, 12, 7, tzinfo=TOKYO)
        this_week = [s for s in theirs if s.starts_at < next_monday]
        assert 32 * 60 + sum(s.work_minutes for s in this_week) == 40 * 60  # Friday, Saturday
        assert len([s for s in theirs if s.starts_at >= next_monday]) == 4  # Monday to Thursday
        # By hand, a second weekend shift would pass 40 hours in the week.
        weekend = [
            s for s in result.roster.shifts if s.operator_id is None and s.starts_at < next_monday
        ]
        assert weekend
        problems = rosters.rule_breaks(worker, weekend[0], result.roster)
        assert any("40" in problem for problem in problems)
