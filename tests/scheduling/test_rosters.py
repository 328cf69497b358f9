"""Rosters: skills, availability and leave entered and checked, `flask scheduling shifts --team`."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from scheduling import roster_building, rosters
from scheduling.models import Roster, RosteredShift
from scheduling.services import create_team
from tenants.db import db
from tenants.models import StaffRole
from tests.conftest import system
from tests.factories import add_queues
from tests.scheduling.test_forecast import write_history
from tests.scheduling.test_services import operators


def test_entries_are_checked(app: Flask) -> None:
    with system(app):
        (person,) = operators(1)
        with pytest.raises(rosters.WorkforceRefused, match="毎時0分か30分"):
            rosters.add_availability(person, 0, time(9, 15), time(17))
        with pytest.raises(rosters.WorkforceRefused, match="終了時刻は開始時刻より後"):
            rosters.add_availability(person, 0, time(17), time(9))
        with pytest.raises(rosters.WorkforceRefused, match="初日以降"):
            rosters.add_leave(person, date(2026, 12, 2), date(2026, 12, 1), None)
        rosters.add_availability(person, 0, time(22), None)  # until midnight
        assert rosters.available_slots(person, date(2026, 11, 30), 2) == frozenset(range(44, 48))
        supervisor = operators(1, "sv")[0]
        supervisor.staff_role = StaffRole.SUPERVISOR
        with pytest.raises(rosters.WorkforceRefused, match="オペレーターだけ"):
            rosters.set_skills(supervisor, ["q"])
        with pytest.raises(rosters.WorkforceRefused, match="キュー q はありません"):
            rosters.set_skills(person, ["q"])  # skills name queues staff created
        add_queues("q", "r")
        assert rosters.set_skills(person, [" q ", "q", "r"]) == ["q", "r"]


def test_shifts_command_publishes_a_roster_within_skills_and_leave(
    app: Flask, tmp_path: Path
) -> None:
    history = tmp_path / "history.csv"
    write_history(history)
    runner = app.test_cli_runner()
    imported = runner.invoke(
        args=["scheduling", "import-history", "--queue", "q", "--format", "csv", str(history)]
    )
    assert imported.exit_code == 0, imported.output
    with system(app):
        crew = operators(13)
        create_team("A班", leader=None, operators=crew[:12])
        add_queues("q", "other")
        for person in crew:
            rosters.set_skills(person, ["q"])
        rosters.set_skills(crew[1], ["other"])  # cannot serve q
        rosters.add_leave(crew[0], date(2026, 11, 30), date(2026, 12, 6), "holiday")
        db.session.commit()
        outsider, unskilled, on_leave = crew[12].id, crew[1].id, crew[0].id
    result = runner.invoke(
        args=["scheduling", "shifts", "--queue", "q", "--start", "2026-11-30", "--team", "A班"]
    )
    assert result.exit_code == 0, result.output
    assert "2026-11-30T09:00:00+09:00" in result.stdout
    assert "proven optimal" in result.stdout
    assert "Paid hours" in result.stdout
    assert "paid ÷ required" in result.stdout
    with system(app):
        roster = db.session.scalar(select(Roster).where(Roster.queue == "q"))
        assert roster is not None
        assert roster.first_day == date(2026, 11, 30)
        shifts = db.session.scalars(
            select(RosteredShift).where(RosteredShift.roster_id == roster.id)
        ).all()
        assert shifts
        assert all(s.operator_id is not None for s in shifts)
        assert {s.operator_id for s in shifts}.isdisjoint({outsider, unskilled, on_leave})
        assert roster.paid_slots == sum(s.work_minutes for s in shifts) // 30
    again = runner.invoke(
        args=["scheduling", "shifts", "--queue", "q", "--start", "2026-11-30", "--team", "A班"]
    )
    assert again.exit_code == 0
    with system(app):
        assert len(db.session.scalars(select(Roster)).all()) == 1  # the new one replaced it


def test_shifts_command_explains_a_team_without_the_skill(app: Flask, tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    write_history(history)
    runner = app.test_cli_runner()
    runner.invoke(
        args=["scheduling", "import-history", "--queue", "q", "--format", "csv", str(history)]
    )
    with system(app):
        create_team("B班", leader=None, operators=operators(8))
        db.session.commit()
    result = runner.invoke(
        args=["scheduling", "shifts", "--queue", "q", "--start", "2026-11-30", "--team", "B班"]
    )
    assert result.exit_code != 0
    assert "has the skill q" in result.output
    unknown = runner.invoke(
        args=["scheduling", "shifts", "--queue", "q", "--start", "2026-11-30", "--team", "Z"]
    )
    assert "no team named 'Z'" in unknown.output


def test_shifts_stay_inside_availability_and_the_rest_is_a_shortfall(app: Flask) -> None:
    from zoneinfo import ZoneInfo

    with system(app):
        crew = operators(8)
        add_queues("q")
        for person in crew:
            rosters.set_skills(person, ["q"])
            rosters.add_availability(person, 0, time(9), time(13))  # Mondays 09:00–13:00 only
        requirement = [0] * (7 * 48)
        for slot in range(18, 34):  # two agents Monday 09:00–17:00
            requirement[slot] = 2
        result = roster_building.generate_roster(
            "q", date(2026, 11, 30), ZoneInfo("Asia/Tokyo"), requirement, crew
        )
        assert [(s.start, s.work_slots) for s in result.plan.shifts] == [(18, 8), (18, 8)]
        assert result.plan.shortfall_hours == 8.0
        assert result.assignment.unassigned == 0


def test_pooled_shifts_command_rosters_the_week_for_its_answer_rate(
    app: Flask, tmp_path: Path
) -> None:
    history = tmp_path / "history.csv"
    write_history(history)
    runner = app.test_cli_runner()
    runner.invoke(
        args=["scheduling", "import-history", "--queue", "q", "--format", "csv", str(history)]
    )
    with system(app):
        crew = operators(12)
        create_team("P班", leader=None, operators=crew)
        add_queues("q")
        for person in crew:
            rosters.set_skills(person, ["q"])
        db.session.commit()
    args = ["scheduling", "shifts", "--queue", "q", "--start", "2026-11-30", "--team", "P班"]
    result = runner.invoke(args=[*args, "--pooled"])
    assert result.exit_code == 0, result.output
    assert "proven optimal" in result.stdout
    assert "Nobody available" not in result.stdout
    refused = runner.invoke(args=[*args, "--pooled", "--shrinkage", "0.2"])
    assert refused.exit_code != 0
    assert "no shrinkage" in refused.output
