"""Supervisors keep the shift patterns the roster builder uses, within the Labour Standards Act."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select

from scheduling import roster_building, rosters
from scheduling.models import ShiftPattern
from scheduling.shifts import LabourRules
from tenants.models import StaffRole
from tests.conftest import csrf_token, system
from tests.factories import PASSWORD, add_queues, make_staff
from tests.scheduling.test_services import operators
from tests.scheduling.test_views import supervisor_client

PAGE = "/staff/workforce/patterns/"


def test_supervisor_creates_edits_and_retires_patterns(app: Flask) -> None:
    client = supervisor_client(app)
    assert "シフトパターン" in client.get("/staff/workforce/").get_data(as_text=True)
    html = client.get(PAGE).get_data(as_text=True)
    assert 'value="4時間勤務"' in html  # the patterns every installation starts with
    assert 'value="8時間勤務"' in html
    token = csrf_token(client, PAGE)

    def post(url: str, **form: str) -> str:
        return client.post(url, data={"csrf_token": token, **form}, follow_redirects=True).get_data(
            as_text=True
        )

    too_short = post(PAGE, name="長日勤", work="7", **{"break": "30"})
    assert "45分以上の休憩" in too_short
    too_long = post(PAGE, name="長日勤", work="8:30", **{"break": "45"})
    assert "60分以上の休憩" in too_long
    assert "時刻は09:00の形式" in post(PAGE, name="早番", work="8", **{"break": "60"}, start="9時")
    with system(app) as session:
        assert session.scalar(select(ShiftPattern).where(ShiftPattern.name == "長日勤")) is None
    saved = post(PAGE, name="早番", work="８", **{"break": "60"}, start="09:00")
    assert "早番" in saved
    post(PAGE, name="短時間", work="4", **{"break": ""})
    assert "同じ名前のパターン" in post(PAGE, name="早番", work="4")
    with system(app) as session:
        early = session.scalar(select(ShiftPattern).where(ShiftPattern.name == "早番"))
        assert early is not None
        assert (early.work_minutes, early.break_minutes, early.start_minute) == (480, 60, 540)
        early_id = early.id
    edited = post(f"{PAGE}{early_id}", name="早番", work="7:30", **{"break": "45"}, start="08:30")
    assert "45分以上の休憩" not in edited
    assert "休憩60分" in edited  # 45 minutes are given on the half-hour grid
    post(f"{PAGE}{early_id}/active", active="0")
    with system(app):
        assert [p.name for p in rosters.active_patterns()] == ["4時間勤務", "短時間", "8時間勤務"]
    post(f"{PAGE}{early_id}/active", active="1")
    with system(app):
        names = {p.name: p for p in rosters.active_patterns()}
        assert names["早番"].start_minute == 510
        assert names["早番"].work_minutes == 450
    assert (
        client.post(
            f"{PAGE}00000000-0000-0000-0000-000000000000", data={"csrf_token": token}
        ).status_code
        == 404
    )


def test_operators_cannot_reach_the_patterns(app: Flask) -> None:
    from tests.conftest import log_in

    operator = make_staff(app, StaffRole.OPERATOR, "op@answering.example.jp")
    client = app.test_client()
    log_in(client, operator["email"], PASSWORD)
    assert client.get(PAGE).status_code in (403, 404)


def test_the_roster_builder_uses_the_patterns_in_use(app: Flask) -> None:
    with system(app) as session:
        for seeded in session.scalars(select(ShiftPattern)):
            seeded.active = False
        session.add_all(
            [
                ShiftPattern(name="早番", work_minutes=480, break_minutes=60, start_minute=540),
                ShiftPattern(name="旧4h", work_minutes=240, active=False),
                ShiftPattern(name="長日勤", work_minutes=600, break_minutes=60),  # over 8 h a day
            ]
        )
        crew = operators(2)
        add_queues("q")
        for person in crew:
            rosters.set_skills(person, ["q"])
        requirement = [0] * (7 * 48)
        for slot in range(18, 36):  # Monday 09:00–18:00
            requirement[slot] = 1
        result = roster_building.generate_roster(
            "q", date(2026, 11, 30), ZoneInfo("Asia/Tokyo"), requirement, crew
        )
        assert {(s.start % 48, s.work_slots, s.break_slots) for s in result.plan.shifts} == {
            (18, 16, 2)
        }
        assert LabourRules().max_daily_hours * 60 < 600


def test_a_refused_pattern_comes_back_as_typed_with_the_message_beside_it(app: Flask) -> None:
    client = supervisor_client(app)
    token = csrf_token(client, PAGE)
    refused = client.post(
        PAGE,
        data={"csrf_token": token, "name": "遅番", "work": "8", "break": "30", "start": "13:00"},
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    new = page[page.index('data-testid="new-pattern"') :]
    assert 'name="name" value="遅番"' in new
    assert 'name="work" value="8"' in new
    assert 'name="break" value="30"' in new
    assert 'name="start" value="13:00"' in new
    after_form = new.split("</form>")[1]
    assert after_form.lstrip().startswith('<p class="error" role="alert"')
    assert "45分以上の休憩" in after_form.split("</p>")[0]
    invalid = re.findall(r'<input type="text" name="(\w+)"[^>]*aria-invalid="true"', new)
    assert invalid == ["break"]
    with system(app) as session:
        assert session.scalar(select(ShiftPattern).where(ShiftPattern.name == "遅番")) is None
        four = session.scalar(select(ShiftPattern).where(ShiftPattern.name == "4時間勤務"))
        assert four is not None
        four_id, four_minutes = four.id, four.work_minutes

    edited = client.post(
        f"{PAGE}{four_id}",
        data={
            "csrf_token": token,
            "name": "4時間勤務",
            "work": "4時間半分",
            "break": "",
            "start": "",
        },
    )
    assert edited.status_code == 400
    page = edited.get_data(as_text=True)
    row = page[page.index(f'id="pattern-{four_id}"') :].split("</tr>")[0]
    assert 'name="work" value="4時間半分"' in row
    assert "労働時間は時間で入力してください" in row  # the message sits in the row that was edited
    assert re.findall(r'name="(\w+)"[^>]*aria-invalid="true"', row) == ["work"]
    new = page[page.index('data-testid="new-pattern"') :]
    assert 'name="name" value=""' in new  # the other form is left as it was
    with system(app) as session:
        unchanged = session.get(ShiftPattern, four_id)
        assert unchanged is not None
        assert unchanged.work_minutes == four_minutes
