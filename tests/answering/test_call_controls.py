"""The console's call controls against the simulated carrier, through the twilio library and the
carrier's REST API: hold puts the caller in a hold queue of their own and resume rings the same
operator again, hang up ends the caller's call, transfer rings the supervisor who then has the
call; each use is logged on the call and the operators' states follow. Another shop's or another
operator's call is not found, and a control that does not apply changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from answering import routing
from answering.providers import CarrierUnavailable, TwilioTelephony
from answering.simulator.carrier import ACCOUNT
from tests.answering.live_line import BETA, Line, control, eventually, live_line
from tests.conftest import build_app, fresh_database_url, migrate


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


def test_a_late_callback_of_the_dial_before_a_hold_never_frees_the_operator(app: Flask) -> None:
    """The carrier's callbacks come late and shuffled: the end of the operator's first leg (cut
    by a hold) arriving after the resume leaves the call theirs; the end of the live leg frees
    them into after-call work."""
    from sqlalchemy import select

    from answering.models import Call
    from scheduling.models import OperatorState
    from tests.answering.calls import answered_call, operator, two_shops
    from tests.answering.carrier import post
    from tests.answering.test_routing import stamp
    from tests.conftest import system

    two_shops(app)
    operator_id, _ = operator(app)
    carrier = app.test_client()
    answered_call(app, carrier, end=False)
    with system(app) as session:
        call = session.scalars(select(Call).where(Call.call_sid == "CA1")).one()
        call.leg_round = 2  # held, then resumed: the operator's phone was dialled again
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
