"""The console's call controls against the simulated carrier, through the twilio library and the
carrier's REST API: hold puts the caller in a hold queue of their own and resume rings the same
operator again, hang up ends the caller's call, transfer rings the supervisor who then has the
call; each use is logged on the call and the operators' states follow. Another shop's or another
operator's call is not found, and a control that does not apply changes nothing."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from answering import reports, routing
from answering.models import Call, CallControl
from answering.providers import CarrierUnavailable, TwilioTelephony
from answering.simulator.carrier import ACCOUNT
from scheduling.models import DemandInterval
from tests.answering.carrier import post
from tests.answering.live_line import BETA, Line, control, eventually, live_line
from tests.answering.test_routing import leg_url
from tests.conftest import build_app, csrf_token, fresh_database_url, migrate, system


@pytest.fixture(scope="module")
def line(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Line]:
    """An application on its own database: the carrier's threads commit as they go."""
    from tenants.db import db

    app = build_app(fresh_database_url("controls", tmp_path_factory.mktemp("controls")))
    migrate(app)
    with live_line(app) as made:
        yield made
    with app.app_context():
        db.engine.dispose()


def test_hold_and_resume_keep_the_call_with_its_operator_and_hang_up_ends_it(line: Line) -> None:
    line.ready(line.operator_id)
    console = line.console()
    running = line.ring(caller="+819011110001")
    call = line.answered("+819011110001")
    sid = call.call_sid
    me = routing.identity(line.operator_id)

    assert control(line, console, sid, "hold").status_code == 302
    eventually(lambda: sid in line.carrier.queues.get(f"hold-{sid}", []))
    line.carrier.deliverer.drain()  # the operator's leg has ended and said so
    held = line.call_of("+819011110001")
    assert held is not None
    assert held.held_since is not None
    state = line.state(line.operator_id)
    assert (state.state, state.call_sid) == ("on_call", sid)  # still theirs while on hold
    page = console.get("/console").get_data(as_text=True)
    assert 'data-testid="on-hold"' in page
    assert "保留解除" in page

    assert control(line, console, sid, "resume").status_code == 302
    carrier_call = line.carrier.live[sid]
    eventually(lambda: carrier_call.rings == [me, me] and not line.carrier.queues[f"hold-{sid}"])
    line.carrier.deliverer.drain()
    back = line.call_of("+819011110001")
    assert back is not None
    assert (back.held_since, back.leg_round) == (None, 2)
    assert line.state(line.operator_id).state == "on_call"

    assert control(line, console, sid, "hang-up").status_code == 302
    run = running.result(timeout=20)
    assert run.ended
    assert line.carrier.call_json(sid)["status"] == "completed"  # type: ignore[index]
    line.carrier.deliverer.drain()
    ended = eventually(lambda: line.call_of("+819011110001"))
    assert ended.ended_at is not None
    assert ended.outcome == "answered"
    assert ended.operator_id == line.operator_id
    assert line.controls(ended) == ["hold", "resume", "hang_up"]
    after = line.state(line.operator_id)
    assert (after.state, after.call_sid) == ("after_call_work", None)
    # The card stays for filing, without the controls of a call that is over.
    card = console.get("/console/card").get_data(as_text=True)
    assert 'data-testid="file-message"' in card
    assert "保留" not in card.split('data-testid="control-log"')[0]
    assert "切断" in card  # the log names what was done


def test_transfer_rings_the_supervisor_who_then_has_the_call(line: Line) -> None:
    line.ready(line.operator_id, line.supervisor_id)
    console = line.console()
    running = line.ring(caller="+819011110002")
    call = line.answered("+819011110002")
    sid = call.call_sid
    page = console.get("/console").get_data(as_text=True)
    assert f'<option value="{line.supervisor_id}">supervisor</option>' in page

    response = control(line, console, sid, "transfer", supervisor_id=str(line.supervisor_id))
    assert response.status_code == 302
    lead = routing.identity(line.supervisor_id)
    carrier_call = line.carrier.live[sid]
    eventually(lambda: carrier_call.talked_to == lead)
    assert carrier_call.rings == [routing.identity(line.operator_id), lead]
    line.carrier.deliverer.drain()
    assert line.state(line.operator_id).state == "after_call_work"
    supervisor = line.state(line.supervisor_id)
    assert (supervisor.state, supervisor.call_sid) == ("on_call", sid)
    moved = line.call_of("+819011110002")
    assert moved is not None
    assert (moved.operator_id, moved.transferred_to_id) == (line.operator_id, line.supervisor_id)

    line.carrier.update_call(sid, "hangup", "")  # the caller and the supervisor are done
    running.result(timeout=20)
    line.carrier.deliverer.drain()
    assert line.state(line.supervisor_id).state in ("after_call_work", "ready")
    ended = line.call_of("+819011110002")
    assert ended is not None
    assert ended.outcome == "answered"
    assert line.controls(ended) == ["transfer"]


def test_mute_is_kept_on_the_call_and_refusals_change_nothing(line: Line) -> None:
    line.ready(line.operator_id)
    console = line.console()
    running = line.ring(caller="+819011110003")
    sid = line.answered("+819011110003").call_sid

    assert control(line, console, sid, "mute").status_code == 302
    assert 'data-testid="muted"' in console.get("/console").get_data(as_text=True)
    assert control(line, console, sid, "unmute").status_code == 302
    refused = control(line, console, sid, "resume")  # not on hold
    assert refused.status_code == 409
    assert "保留中ではありません" in refused.get_data(as_text=True)
    no_one = control(line, console, sid, "transfer", supervisor_id=str(line.operator_id))
    assert no_one.status_code == 409
    # Another operator cannot touch it; unknown controls and calls are not found.
    assert control(line, line.console("other@answering.example.jp"), sid, "hold").status_code == 404
    assert control(line, console, sid, "explode").status_code == 404
    assert control(line, console, "CA-unknown", "hold").status_code == 404
    call = line.call_of("+819011110003")
    assert call is not None
    assert line.controls(call) == ["mute", "unmute"]
    assert call.held_since is None
    assert not call.muted

    assert control(line, console, sid, "hang-up").status_code == 302
    running.result(timeout=20)
    assert control(line, console, sid, "hold").status_code == 409  # over


def test_only_the_operator_who_has_the_call_controls_it_whatever_the_shop(line: Line) -> None:
    line.ready(line.operator_id)
    console = line.console()
    running = line.ring(number=BETA, caller="+819011110004")
    sid = line.answered("+819011110004").call_sid
    other = line.console("other@answering.example.jp")
    assert control(line, other, sid, "hang-up").status_code == 404
    assert control(line, console, sid, "hang-up").status_code == 302
    running.result(timeout=20)


def test_the_carrier_refuses_to_change_a_call_that_is_over(line: Line) -> None:
    api = TwilioTelephony("token", ACCOUNT, line.carrier.media.url)
    with pytest.raises(CarrierUnavailable):
        api.update_call("CA" + "0" * 32, hang_up=True)
    line.carrier._keep("CAover", status="completed")
    with pytest.raises(CarrierUnavailable):
        api.update_call("CAover", twiml="<Response><Hangup/></Response>")


def _resumed_call(app: Flask) -> tuple[uuid.UUID, FlaskClient]:
    """CA1, answered by the operator, held then resumed: their phone was dialled again (round 2).
    The operator's id, and the carrier's client."""
    from tests.answering.calls import answered_call, operator, two_shops

    two_shops(app)
    operator_id, _ = operator(app)
    carrier = app.test_client()
    answered_call(app, carrier, end=False)
    with system(app) as session:
        call = session.scalars(select(Call).where(Call.call_sid == "CA1")).one()
        call.leg_round = 2
    return operator_id, carrier


def test_a_late_callback_of_the_dial_before_a_hold_never_frees_the_operator(app: Flask) -> None:
    """The carrier's callbacks come late and shuffled: the end of the operator's first leg (cut
    by a hold) arriving after the resume leaves the call theirs; the end of the live leg frees
    them into after-call work."""
    from scheduling.models import OperatorState
    from tests.answering.test_routing import stamp

    operator_id, carrier = _resumed_call(app)
    leg = f"/carrier/twilio/leg?call=CA1&operator={operator_id}"
    done = {"CallSid": "LCA1", "CallStatus": "completed", "CallDuration": "20"}
    for _ in range(2):
        post(app, carrier, leg, {**done, "Timestamp": stamp(-30)})
    with system(app) as session:
        state = session.get(OperatorState, operator_id)
        assert state is not None
        assert (state.state, state.call_sid) == ("on_call", "CA1")
    post(app, carrier, leg + "&round=2", {**done, "CallSid": "LCA1b", "Timestamp": stamp(-1)})
    with system(app) as session:
        state = session.get(OperatorState, operator_id)
        assert state is not None
        assert state.state == "after_call_work"


@pytest.mark.parametrize("hung_up", [False, True])
def test_a_resumed_dial_nobody_picked_up_holds_the_caller_unless_the_operator_hung_up(
    app: Flask, hung_up: bool
) -> None:
    """The dial of a resume ends unanswered: the caller goes back on hold for the next try. When
    the operator hung up meanwhile (the carrier cut that dial short), the call is over for them:
    nobody is put back on hold and the log does not say so."""
    from scheduling.models import OperatorState

    operator_id, carrier = _resumed_call(app)
    if hung_up:
        with system(app) as session:
            state = session.get(OperatorState, operator_id)
            assert state is not None
            state.state, state.call_sid = "after_call_work", None
    reply = post(
        app,
        carrier,
        f"/carrier/twilio/dial-done?call=CA1&operator={operator_id}&round=2",
        {"CallSid": "CA1", "DialCallStatus": "no-answer" if not hung_up else "canceled"},
    )
    body = reply.get_data(as_text=True)  # type: ignore[attr-defined]
    with system(app) as session:
        call = session.scalars(select(Call).where(Call.call_sid == "CA1")).one()
        logged = session.scalars(
            select(CallControl.action).where(CallControl.call_id == call.id)
        ).all()
        if hung_up:
            assert (call.held_since, logged) == (None, [])
            assert "<Enqueue" not in body
        else:
            assert call.held_since is not None
            assert logged == ["hold"]
            assert ">hold-CA1</Enqueue>" in body


def _controls_with_actors(line: Line, call: Call) -> list[tuple[str, uuid.UUID | None, str | None]]:
    with system(line.app) as session:
        rows = session.execute(
            select(CallControl.action, CallControl.actor_id, CallControl.detail)
            .where(CallControl.call_id == call.id)
            .order_by(CallControl.at, CallControl.id)
        )
        return [(action, actor, detail) for action, actor, detail in rows]


def _with_log(line: Line, caller: str, *wanted: str) -> Call | None:
    """The caller's call once the last entries of its control log are `wanted` (the record and
    its log read together)."""
    with system(line.app) as session:
        found = session.scalars(
            select(Call).where(Call.from_number == caller).order_by(Call.arrived_at.desc())
        ).first()
        if found is None:
            return None
        log = session.scalars(
            select(CallControl.action)
            .where(CallControl.call_id == found.id)
            .order_by(CallControl.at, CallControl.id)
        ).all()
        session.expunge(found)
        return found if tuple(log[-len(wanted) :]) == wanted else None


def _picked_up_again(line: Line, caller: str) -> Call | None:
    return _with_log(line, caller, "picked_up")


def test_a_transfer_nobody_picks_up_goes_back_to_the_operator_who_then_has_the_call(
    line: Line,
) -> None:
    line.offline(line.other_id)
    line.ready(line.operator_id, line.supervisor_id)
    console = line.console()
    running = line.ring(caller="+819011110005")
    first = line.answered("+819011110005")
    sid = first.call_sid
    me, lead = routing.identity(line.operator_id), routing.identity(line.supervisor_id)
    carrier_call = line.carrier.live[sid]

    with line.not_picking_up(line.supervisor_id):
        response = control(line, console, sid, "transfer", supervisor_id=str(line.supervisor_id))
        assert response.status_code == 302
        back = eventually(lambda: _picked_up_again(line, "+819011110005"))
    assert carrier_call.rings == [me, lead, me]  # rung again, and the caller never hung up
    assert not carrier_call.ended
    assert (back.answered_at, back.outcome) == (first.answered_at, "answered")  # answered once
    assert (back.operator_id, back.transferred_to_id) == (line.operator_id, line.supervisor_id)
    state = line.state(line.operator_id)
    assert (state.state, state.call_sid) == ("on_call", sid)
    line.carrier.deliverer.drain()  # the supervisor's leg has said how it ended, late or not
    supervisor = line.state(line.supervisor_id)
    assert supervisor.state != "on_call"
    assert supervisor.call_sid is None
    assert _controls_with_actors(line, back) == [
        ("transfer", line.operator_id, f"supervisor ({line.supervisor_id})"),
        ("transfer_failed", None, "no-answer"),
        ("returned", line.operator_id, "operator"),
        ("picked_up", line.operator_id, "operator"),
    ]
    assert line.state(line.operator_id).state == "on_call"  # nothing late moved them

    # It is their live call again on the console: its log says what happened, the controls work.
    page = console.get("/console").get_data(as_text=True)
    assert "転送先が応答せず、operatorさんに戻りました" in page
    assert "operatorさんが応対しました" in page
    assert control(line, console, sid, "hold").status_code == 302
    eventually(lambda: sid in line.carrier.queues.get(f"hold-{sid}", []))
    assert control(line, console, sid, "resume").status_code == 302
    eventually(lambda: carrier_call.rings == [me, lead, me, me])
    line.carrier.deliverer.drain()
    assert line.state(line.operator_id).state == "on_call"
    assert control(line, console, sid, "hang-up").status_code == 302
    running.result(timeout=20)
    line.carrier.deliverer.drain()
    ended = eventually(lambda: line.call_of("+819011110005"))
    assert ended.ended_at is not None
    assert (ended.outcome, ended.answered_at) == ("answered", first.answered_at)
    assert line.controls(ended)[-3:] == ["hold", "resume", "hang_up"]
    assert line.state(line.operator_id).state == "after_call_work"


def _returned_to_operator(line: Line, caller: str) -> Call | None:
    return _with_log(line, caller, "returned")


def _requeued(line: Line, caller: str) -> Call | None:
    return _with_log(line, caller, "requeued")


def test_the_carrier_asking_twice_hands_the_caller_back_once_and_late_reports_move_no_one(
    line: Line,
) -> None:
    """Transfer-done comes twice (same answer, one hand-back); the supervisor's leg reports its
    end late (nobody moves); the operator it went back to lets it ring out too, and the caller
    waits in the queue until the next operator is ready, who then has the call."""
    line.offline(line.other_id)
    line.ready(line.operator_id, line.supervisor_id)
    console = line.console()
    running = line.ring(caller="+819011110006")
    first = line.answered("+819011110006")
    sid = first.call_sid
    me = routing.identity(line.operator_id)
    carrier = line.app.test_client()
    with (
        line.ring_timeout(300),  # 3 s here: time to ask again while the operator's phone rings
        line.not_picking_up(line.supervisor_id),
        line.not_picking_up(line.operator_id),
    ):
        transfer = control(line, console, sid, "transfer", supervisor_id=str(line.supervisor_id))
        assert transfer.status_code == 302
        returned = eventually(lambda: _returned_to_operator(line, "+819011110006"))
        dial = returned.leg_round - 1  # the supervisor's
        done = (
            f"/carrier/twilio/transfer-done?call={sid}&operator={line.supervisor_id}&round={dial}"
        )
        report = {"CallSid": sid, "DialCallStatus": "no-answer", "DialCallSid": "CAlead"}
        answers = [
            post(line.app, carrier, done, report).get_data(as_text=True)  # type: ignore[attr-defined]
            for _ in range(2)
        ]
        assert answers[0] == answers[1]  # the carrier hears the same twice: the operator again
        assert f">{me}</Client>" in answers[0]
        assert "先ほどの者にお戻しいたします" in answers[0]
        whisper = post(line.app, carrier, leg_url("url", answers[0]), {"CallSid": "CLback"})
        assert "転送が戻りました。" in whisper.get_data(as_text=True)  # type: ignore[attr-defined]
        leg = f"/carrier/twilio/leg?call={sid}&operator={line.supervisor_id}&round={dial}"
        post(line.app, carrier, leg, {"CallSid": "CAlead", "CallStatus": "no-answer"})
        again = line.call_of("+819011110006")
        assert again is not None
        assert line.controls(again) == ["transfer", "transfer_failed", "returned"]
        assert again.leg_round == returned.leg_round
        assert (line.state(line.operator_id).state, line.state(line.operator_id).call_sid) == (
            "on_call",
            sid,
        )
        assert line.state(line.supervisor_id).state != "on_call"

        queued = eventually(lambda: _requeued(line, "+819011110006"))
    assert queued.operator_id is None
    assert queued.returned_at is not None
    queue = queued.queue or ""
    eventually(lambda: sid in line.carrier.queues.get(queue, []))
    assert line.state(line.operator_id).state == "not_ready"  # let it ring out, as routing says

    other = line.console("other@answering.example.jp")
    token = csrf_token(other, "/console")
    assert (
        other.post("/console/state", data={"state": "ready", "csrf_token": token}).status_code
        == 302
    )
    try:
        taken = eventually(lambda: _picked_up_again(line, "+819011110006"))
        assert (taken.operator_id, taken.answered_at) == (line.other_id, first.answered_at)
        assert _controls_with_actors(line, taken)[-2:] == [
            ("requeued", None, "operator"),
            ("picked_up", line.other_id, "operator"),
        ]
        assert line.state(line.other_id).call_sid == sid
        page = other.get("/console").get_data(as_text=True)
        assert "転送先が応答せず、operatorさんに戻りました" in page
        assert "operatorさんも応答せず、キューに戻りました" in page
        assert control(line, other, sid, "hang-up").status_code == 302
        assert running.result(timeout=20).ended
    finally:
        line.offline(line.other_id)
    line.carrier.deliverer.drain()
    ended = line.call_of("+819011110006")
    assert ended is not None
    assert (ended.outcome, ended.answered_at) == ("answered", first.answered_at)


def _demand(line: Line, queue: str) -> tuple[int, int]:
    with system(line.app) as session:
        offered, answered = session.execute(
            select(func.sum(DemandInterval.offered), func.sum(DemandInterval.answered)).where(
                DemandInterval.queue == queue
            )
        ).one()
        return int(offered or 0), int(answered or 0)


def _figures(line: Line, call: Call) -> reports.Figures:
    with system(line.app) as session:
        row = session.execute(
            select(*reports.figure_columns(20)).where(Call.id == call.id, *reports.counted())
        ).one()
        return reports.Figures(*row)


def _answered_and_ended(line: Line, caller: str, transfer: bool) -> Call:
    console = line.console()
    running = line.ring(caller=caller)
    first = line.answered(caller)
    sid = first.call_sid
    if transfer:
        with line.not_picking_up(line.supervisor_id):
            control(line, console, sid, "transfer", supervisor_id=str(line.supervisor_id))
            back = eventually(lambda: _picked_up_again(line, caller))
        assert back.answered_at == first.answered_at
    assert control(line, console, sid, "hang-up").status_code == 302
    running.result(timeout=20)
    line.carrier.deliverer.drain()
    return eventually(lambda: line.call_of(caller))


def test_a_call_handed_back_counts_as_one_answered_call_like_any_other(line: Line) -> None:
    line.offline(line.other_id)
    line.carrier.deliverer.drain()
    figures = {}
    for caller, transfer in (("+819011110007", False), ("+819011110008", True)):
        line.ready(line.operator_id, line.supervisor_id)
        queue = "team-default"
        before = _demand(line, queue)
        call = _answered_and_ended(line, caller, transfer)
        assert call.queue == queue
        assert _demand(line, queue) == (before[0] + 1, before[1] + 1)  # counted once
        assert call.answered_at is not None
        assert call.queued_at is not None
        wait = (call.answered_at - call.queued_at).total_seconds()
        assert call.demand_record is not None
        assert (call.demand_record["outcome"], call.demand_record["wait_s"]) == ("answered", wait)
        counted = _figures(line, call)
        assert counted.wait_s == pytest.approx(wait, abs=0.001)
        figures[transfer] = dataclasses.replace(counted, wait_s=0.0, handle_s=0.0)
    assert figures[True] == figures[False]  # offered, answered, within SL, one wait, one handle
    assert figures[True].as_dict()["answer_rate"] == 1.0
