"""An operator who becomes ready while a caller waits is given the caller at once, through the
carrier's call update, not at the caller's next hold round 5 seconds later. The carrier runs in
real time here so that the two can be told apart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from answering.models import Call
from scheduling import agents
from scheduling.models import OperatorState
from tenants.db import utcnow
from tenants.jobs import dispatch
from tenants.models import OutboxJob, User
from tests.answering.live_line import Line, eventually, live_line
from tests.conftest import build_app, csrf_token, fresh_database_url, migrate, system


@pytest.fixture(scope="module")
def line(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Line]:
    from tenants.db import db

    app = build_app(fresh_database_url("push", tmp_path_factory.mktemp("push")))
    migrate(app)
    with live_line(app, scale=1.0) as made:
        yield made
    with app.app_context():
        db.engine.dispose()


def set_offline(app: Flask) -> None:
    with system(app) as session:
        for row in session.scalars(select(OperatorState)):
            row.state, row.call_sid = "offline", None


def test_a_waiting_caller_is_put_through_as_soon_as_an_operator_is_ready(line: Line) -> None:
    set_offline(line.app)
    line.ring(caller="+819011110009")
    call = eventually(lambda: line.call_of("+819011110009"))
    eventually(lambda: call.call_sid in line.carrier.queues.get("team-default", []))
    time.sleep(1.0)  # the first hold round has found nobody; the next is 5 s away

    console = line.console()
    token = csrf_token(console, "/console")
    ready_at = time.monotonic()
    assert (
        console.post("/console/state", data={"state": "ready", "csrf_token": token}).status_code
        == 302
    )

    routed = eventually(lambda: _routed(line, "+819011110009"), timeout_s=10)
    took = time.monotonic() - ready_at
    assert routed.operator_id == line.operator_id
    assert took < 2.5, f"put through after {took:.1f} s: at a hold round, not at once"
    eventually(lambda: line.carrier.live[call.call_sid].rings)  # the operator's phone rang


def test_a_caller_who_hung_up_meanwhile_leaves_the_operator_free(line: Line) -> None:
    set_offline(line.app)
    line.ring(caller="+819011110010")
    call = eventually(lambda: line.call_of("+819011110010"))
    eventually(lambda: call.call_sid in line.carrier.queues.get("team-default", []))
    line.carrier.update_call(call.call_sid, "hangup", "")  # gone before our update arrives
    eventually(lambda: call.call_sid not in line.carrier.live)
    line.carrier.deliverer.drain()
    with system(line.app) as session:  # our record has not heard of the hang-up yet
        row = session.scalars(select(Call).where(Call.call_sid == call.call_sid)).one()
        row.ended_at = None

    console = line.console()
    token = csrf_token(console, "/console")
    console.post("/console/state", data={"state": "ready", "csrf_token": token})
    state = line.state(line.operator_id)
    assert (state.state, state.call_sid) == ("ready", None)
    assert line.call_of("+819011110010").operator_id is None  # type: ignore[union-attr]


def test_a_waiting_caller_is_put_through_when_after_call_work_ends_by_the_clock(
    line: Line,
) -> None:
    set_offline(line.app)
    line.ring(caller="+819011110011")
    call = eventually(lambda: line.call_of("+819011110011"))
    eventually(lambda: call.call_sid in line.carrier.queues.get("team-default", []))
    with system(line.app) as session:  # the operator's previous call has just ended
        row = session.get(OperatorState, line.operator_id)
        row.state, row.call_sid = "on_call", "CAearlier"
    with system(line.app) as session:
        operator = session.get(User, line.operator_id)
        ended = utcnow()
        agents.release(operator.id, "CAearlier", "after_call_work", ended, timedelta(seconds=1))
    with system(line.app) as session:
        [push] = session.scalars(
            select(OutboxJob).where(
                OutboxJob.task.endswith("put_through_waiting"), OutboxJob.state == "pending"
            )
        ).all()  # not run at once: the operator is writing up the last call
        assert abs(push.run_after - (ended + timedelta(seconds=1))) < timedelta(seconds=0.5)
        push_id = push.id

    time.sleep(1.0)  # the after-call work is over; the caller's next hold round may be 5 s away
    free_at = time.monotonic()
    dispatch(line.app, push_id)  # what RQ's scheduler does at `run_after`
    routed = eventually(lambda: _routed(line, "+819011110011"), timeout_s=10)
    took = time.monotonic() - free_at
    assert routed.operator_id == line.operator_id
    assert took < 2.5, f"put through after {took:.1f} s: at a hold round, not at once"


def _routed(line: Line, caller: str) -> Call | None:
    found = line.call_of(caller)
    return found if found is not None and found.operator_id is not None else None
