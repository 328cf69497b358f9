"""The wallboard: callers waiting and the longest wait, operators by state and team, today's figures
per queue and per shop with those under 98 % flagged; supervisors and admins only."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from answering.models import Call
from scheduling import agents
from scheduling.models import Team, TeamMember
from tenants.coverage.services import TOKYO
from tenants.db import utcnow
from tenants.models import Shop, StaffRole, User
from tests.answering.call_records import add_call
from tests.conftest import log_in, system
from tests.factories import PASSWORD, make_shop, make_staff


@pytest.fixture
def busy_day(app: Flask) -> datetime:
    """alpha: 2 waiting (90 s and 30 s), 1 answered (wait 10 s), 1 abandoned; beta: 2 answered."""
    make_shop(app, "alpha")
    make_shop(app, "beta")
    now = utcnow()
    midnight = datetime.combine(now.astimezone(TOKYO).date(), time(), TOKYO)
    base = max(now - timedelta(seconds=100), midnight + timedelta(seconds=1))
    with system(app) as session:
        shops = {s.slug: s.id for s in session.scalars(select(Shop))}
        add_call(session, shops["alpha"], now - timedelta(seconds=90), "in_progress")
        add_call(session, shops["alpha"], now - timedelta(seconds=30), "in_progress")
        add_call(session, shops["alpha"], base, "answered", wait=10, talk=60)
        add_call(session, shops["alpha"], base, "abandoned", wait=40)
        for _ in range(2):
            add_call(session, shops["beta"], base, "answered", wait=4, talk=60, queue="team-b")
        # yesterday's call and one stuck open for a day: neither is on today's board
        add_call(session, shops["beta"], midnight - timedelta(hours=1), "abandoned")
        add_call(session, shops["beta"], now - timedelta(days=1), "in_progress")
    return now


def operators(app: Flask) -> None:
    ids = [
        make_staff(app, StaffRole.OPERATOR, f"op{i}@answering.example.jp")["user_id"]
        for i in range(3)
    ]
    with system(app) as session:
        team = Team(name="A班")
        session.add(team)
        session.flush()
        users = [session.get(User, uuid.UUID(i)) for i in ids]
        for user in users[:2]:
            session.add(TeamMember(team_id=team.id, user_id=user.id))
        agents.set_state(users[0], "ready", reason=None, actor=users[0])
        agents.set_state(users[1], "break", reason="lunch", actor=users[1])


def board_of(app: Flask, role: StaffRole = StaffRole.SUPERVISOR) -> Any:
    staff = make_staff(app, role)
    client = app.test_client()
    log_in(client, staff["email"], PASSWORD)
    return client


@pytest.mark.usefixtures("busy_day")
def test_the_board_counts_waiting_callers_and_todays_figures(app: Flask) -> None:
    operators(app)
    client = board_of(app)
    board = client.get("/staff/wallboard.json").get_json()
    total = board["total"]
    assert total["waiting"] == 2
    assert 90 <= total["longest_wait_s"] < 120
    assert (total["offered"], total["answered"], total["abandoned"]) == (4, 3, 1)
    assert total["answer_rate"] == 0.75
    assert total["below_target"] is True
    shops = {line["key"]: line for line in board["shops"]}
    assert shops["alpha"]["waiting"] == 2
    assert (shops["alpha"]["answer_rate"], shops["alpha"]["below_target"]) == (0.5, True)
    assert (shops["beta"]["answer_rate"], shops["beta"]["below_target"]) == (1.0, False)
    assert shops["beta"]["waiting"] == 0
    assert [line["key"] for line in board["shops"]] == ["alpha", "beta"]  # flagged first
    queues = {line["key"]: line for line in board["queues"]}
    assert (queues["team-default"]["asa_s"], queues["team-default"]["aht_s"]) == (10.0, 60.0)
    assert board["operators"]["A班"]["ready"] == 1
    assert board["operators"]["A班"]["break"] == 1
    assert board["operators"]["-"]["offline"] == 1
    page = client.get("/staff/wallboard/board").get_data(as_text=True)
    assert "<td>チームなし</td>" in page  # operators in no team, in words
    assert "<td>10秒</td><td>60秒</td>" in page  # ASA and AHT in seconds, in Japanese
    assert " s<" not in page


@pytest.mark.usefixtures("busy_day")
def test_the_page_is_for_a_wall_and_redraws_itself(app: Flask) -> None:
    client = board_of(app, StaffRole.ADMIN)
    page = client.get("/staff/wallboard").get_data(as_text=True)
    assert "wallboard.js" in page
    assert 'http-equiv="refresh"' in page  # without script
    assert "目標未達" in page
    assert "応答数 ÷ 着信数" in page
    fragment = client.get("/staff/wallboard/board")
    assert fragment.status_code == 200
    assert "<html" not in fragment.get_data(as_text=True)


def test_operators_and_shops_never_see_it(app: Flask) -> None:
    operator = board_of(app, StaffRole.OPERATOR)
    make_shop(app, "alpha")
    owner = app.test_client()
    log_in(owner, "owner@alpha.example.jp", PASSWORD)
    for client in (operator, owner):
        for url in ("/staff/wallboard", "/staff/wallboard.json", "/staff/wallboard/board"):
            assert client.get(url).status_code == 404


@pytest.mark.usefixtures("busy_day")
def test_a_caller_handed_back_after_a_transfer_waits_again_and_stays_answered_once(
    app: Flask,
) -> None:
    """Answered 200 s ago, handed back to the queue 20 s ago (the transfer was not picked up):
    waiting since the hand-back, and still one answered call in today's figures."""
    now = utcnow()
    with system(app) as session:
        beta = session.scalars(select(Shop).where(Shop.slug == "beta")).one()
        midnight = datetime.combine(now.astimezone(TOKYO).date(), time(), TOKYO)
        queued = max(now - timedelta(seconds=200), midnight + timedelta(seconds=1))
        back = now - timedelta(seconds=20)
        add_call(session, beta.id, queued, "answered", wait=4, queue="team-b", returned_at=back)
        session.flush()
        call = session.scalars(select(Call).where(Call.returned_at.is_not(None))).one()
        call.ended_at = None  # still on the line
    board = board_of(app).get("/staff/wallboard.json").get_json()
    queues = {line["key"]: line for line in board["queues"]}
    assert queues["team-b"]["waiting"] == 1
    assert 20 <= queues["team-b"]["longest_wait_s"] < 50
    assert (queues["team-b"]["offered"], queues["team-b"]["answered"]) == (3, 3)
    assert board["total"]["waiting"] == 3
    metrics = app.test_client().get("/metrics").get_data(as_text=True)
    assert 'answering_calls_waiting{queue="team-b"} 1.0' in metrics
