"""An operator who becomes ready while a caller waits is given the caller at once, through the
carrier's call update, not at the caller's next hold round 5 seconds later. The carrier runs in
real time here so that the two can be told apart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
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


def test_a_waiting_caller_is_put_through_as_soon_as_an_operator_is_ready(line: Line) -> None:
    line.quiet()
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
    line.quiet()
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
    line.quiet()
    line.ring(caller="+819011110011")
    call = eventually(lambda: line.call_of("+819011110011"))
    eventually(lambda: call.call_sid in line.carrier.queues.get("team-default", []))
    with system(line.app) as session:  # the operator's previous call has just ended
        row = session.get(OperatorState, line.operator_id) or OperatorState(
            operator_id=line.operator_id, since=utcnow()
        )
        session.add(row)
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


def test_a_caller_handed_back_to_the_queue_goes_before_callers_who_came_later(
    line: Line,
) -> None:
    """The supervisor does not pick up and the operator who transferred the call has taken the
    next caller meanwhile: the caller goes back into the queue, and the next operator who is
    ready takes them before the caller who has been waiting since after their first arrival."""
    line.quiet()
    line.ready(line.operator_id, line.supervisor_id)
    first = line.ring(caller="+819011110021")
    # In the queue (our record says since when), however soon the ready operator takes them.
    eventually(lambda: _entered_queue(line, "+819011110021"))
    later = [line.ring(caller=f"+81901111002{n}") for n in (2, 3)]
    for n in (2, 3):
        eventually(lambda n=n: _queued(line, f"+81901111002{n}"), timeout_s=30)
    answered = eventually(lambda: _answered(line, "+819011110021"), timeout_s=30)
    sid = answered.call_sid

    console = line.console()
    with line.ring_timeout(4), line.not_picking_up(line.supervisor_id):
        token = csrf_token(console, "/console")
        form = {"supervisor_id": str(line.supervisor_id), "csrf_token": token}
        assert console.post(f"/console/calls/{sid}/transfer", data=form).status_code == 302
        # The operator ends their after-call work and takes the longest-waiting caller.
        ready = {"state": "ready", "csrf_token": token}
        assert console.post("/console/state", data=ready).status_code == 302
        eventually(lambda: line.state(line.operator_id).call_sid not in (None, sid))
        taken = line.state(line.operator_id).call_sid  # on another call when the transfer fails
        requeued = eventually(lambda: _in_queue_again(line, "+819011110021"), timeout_s=15)
    assert requeued.answered_at == answered.answered_at
    eventually(lambda: sid in line.carrier.queues.get("team-default", []))
    still_waiting = [
        call
        for n in (2, 3)
        if (call := line.call_of(f"+81901111002{n}")) is not None and call.call_sid != taken
    ]
    assert len(still_waiting) == 1
    assert still_waiting[0].queued_at > answered.queued_at  # came later, and waits
    time.sleep(1.0)  # the hold rounds have found nobody; the next are seconds away

    other = line.console("other@answering.example.jp")
    token = csrf_token(other, "/console")
    try:
        assert other.post("/console/state", data=ready | {"csrf_token": token}).status_code == 302
        back = eventually(lambda: _routed(line, "+819011110021"), timeout_s=10)
        assert back.operator_id == line.other_id
        waiting = line.call_of(still_waiting[0].from_number)
        assert waiting is not None
        assert waiting.operator_id is None  # still waiting: the handed-back caller went first
        eventually(lambda: line.state(line.other_id).call_sid == sid)
        picked = eventually(lambda: _picked_up(line, "+819011110021"), timeout_s=15)
        assert (picked.answered_at, picked.outcome) == (answered.answered_at, "answered")
        assert line.controls(picked) == ["transfer", "transfer_failed", "requeued", "picked_up"]
    finally:
        line.quiet()
    assert first.result(timeout=20).ended
    for call in later:
        call.result(timeout=20)


def _queued(line: Line, caller: str) -> Call | None:
    found = line.call_of(caller)
    if found is None or found.call_sid not in line.carrier.queues.get("team-default", []):
        return None
    return found


def _entered_queue(line: Line, caller: str) -> Call | None:
    found = line.call_of(caller)
    return found if found is not None and found.queued_at is not None else None


def _answered(line: Line, caller: str) -> Call | None:
    found = line.call_of(caller)
    return found if found is not None and found.answered_at is not None else None


def _in_queue_again(line: Line, caller: str) -> Call | None:
    found = line.call_of(caller)
    if found is None or found.returned_at is None or found.operator_id is not None:
        return None
    return found


def _picked_up(line: Line, caller: str) -> Call | None:
    found = line.call_of(caller)
    return found if found is not None and found.returned_at is None else None
