"""Routing a queued caller to an operator, in the carrier's contract: the hold loop, the dial with
its whisper, the operator's leg callbacks, and the ring-out that sends the caller to the next one."""

from __future__ import annotations

import dataclasses
import itertools
import random
import re
import uuid
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from answering import routing
from answering.models import Call
from scheduling.models import OperatorState, OperatorStateChange
from tenants.db import utcnow
from tenants.models import StaffRole, User
from tests.answering.carrier import post
from tests.answering.test_carrier import incoming, shop_with_number, the_call
from tests.conftest import log_in, system
from tests.factories import PASSWORD, make_staff


def ready_operators(app: Flask, count: int) -> list[uuid.UUID]:
    """Operators made ready one after the other: the first has been idle the longest."""
    ids = []
    for n in range(count):
        made = make_staff(app, StaffRole.OPERATOR, f"op{n}@answering.example.jp")
        ids.append(uuid.UUID(made["user_id"]))
    with system(app) as session:
        start = utcnow() - timedelta(minutes=10)
        for n, operator_id in enumerate(ids):
            session.add(
                OperatorState(
                    operator_id=operator_id, state="ready", since=start + timedelta(seconds=n)
                )
            )
    return ids


def state(app: Flask, operator_id: uuid.UUID) -> OperatorState:
    with system(app) as session:
        row = session.get(OperatorState, operator_id)
        assert row is not None
        session.expunge(row)
        return row


def hold(app: Flask, client: FlaskClient, sid: str = "CA1", position: int = 1) -> str:
    response = post(
        app,
        client,
        "/carrier/twilio/wait",
        {"CallSid": sid, "QueuePosition": str(position), "QueueTime": "0", "AvgQueueTime": "0"},
    )
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def leave_queue(app: Flask, client: FlaskClient, sid: str = "CA1") -> str:
    response = post(
        app, client, "/carrier/twilio/dequeued", {"CallSid": sid, "QueueResult": "leave"}
    )
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def leg_url(name: str, twiml: str) -> str:
    """A URL our dial TwiML handed out, as the carrier would call it (without the retry fragment)."""
    found = re.search(rf'{name}="http://localhost([^"#]+)', twiml)
    assert found, twiml
    return found.group(1).replace("&amp;", "&")


def stamp(seconds_from_now: float) -> str:
    return format_datetime(utcnow() + timedelta(seconds=seconds_from_now))


def test_a_caller_is_given_to_the_longest_idle_operator_who_hears_the_shop_first(
    app: Flask, client: FlaskClient
) -> None:
    shop_with_number(app)
    first, second = ready_operators(app, 2)
    queued = incoming(app, client).get_data(as_text=True)  # type: ignore[attr-defined]
    assert 'action="http://localhost/carrier/twilio/dequeued"' in queued

    assert "<Leave />" in hold(app, client)
    assert the_call(app).operator_id == first
    assert (state(app, first).state, state(app, first).call_sid) == ("on_call", "CA1")
    assert state(app, second).state == "ready"

    dial = leave_queue(app, client)
    assert "<Client " in dial
    assert f">operator-{first}</Client>" in dial
    assert 'timeout="15"' in dial
    assert 'record="record-from-answer-dual"' in dial
    whisper = post(
        app, client, leg_url("url", dial), {"CallSid": "CL1", "CallStatus": "in-progress"}
    )
    said = whisper.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "テストショップのお電話です。" in said
    assert 'language="ja-JP"' in said


def test_answered_call_is_recorded_and_the_operator_goes_to_after_call_work(
    app: Flask, client: FlaskClient
) -> None:
    shop_with_number(app)
    (operator,) = ready_operators(app, 1)
    incoming(app, client)
    hold(app, client)
    dial = leave_queue(app, client)
    leg = leg_url("statusCallback", dial)
    post(app, client, leg, {"CallSid": "CL1", "CallStatus": "in-progress", "Timestamp": stamp(3)})
    call = the_call(app)
    assert call.outcome == "answered"
    assert call.operator_id == operator
    post(
        app,
        client,
        leg,
        {"CallSid": "CL1", "CallStatus": "completed", "Timestamp": stamp(60), "CallDuration": "57"},
    )
    after = post(
        app,
        client,
        leg_url("action", dial),
        {"CallSid": "CA1", "DialCallStatus": "completed", "DialCallDuration": "57"},
    )
    assert "<Hangup />" in after.get_data(as_text=True)  # type: ignore[attr-defined]
    post(
        app,
        client,
        "/carrier/twilio/status",
        {"CallSid": "CA1", "CallStatus": "completed", "CallDuration": "70", "Timestamp": stamp(61)},
    )
    now = state(app, operator)
    assert now.state == "after_call_work"
    assert now.call_sid is None
    assert now.after_call_until is not None
    call = the_call(app)
    assert call.outcome == "answered"
    assert call.ended_at is not None
    assert call.answered_at is not None
    assert 55 <= (call.ended_at - call.answered_at).total_seconds() <= 60


def test_an_operator_who_lets_it_ring_out_is_set_not_ready_and_the_next_one_gets_the_call(
    app: Flask, client: FlaskClient
) -> None:
    shop_with_number(app)
    first, second = ready_operators(app, 2)
    incoming(app, client)
    hold(app, client)
    dial = leave_queue(app, client)
    post(
        app, client, leg_url("statusCallback", dial), {"CallSid": "CL1", "CallStatus": "no-answer"}
    )
    again = post(
        app, client, leg_url("action", dial), {"CallSid": "CA1", "DialCallStatus": "no-answer"}
    )
    assert "<Enqueue" in again.get_data(as_text=True)  # type: ignore[attr-defined]
    assert state(app, first).state == "not_ready"
    assert "<Leave />" in hold(app, client)
    call = the_call(app)
    assert call.operator_id == second
    assert call.ring_attempts == 2
    with system(app) as session:
        logged = session.scalars(
            select(OperatorStateChange.state)
            .where(OperatorStateChange.operator_id == first)
            .order_by(OperatorStateChange.at)
        ).all()
    assert logged == ["on_call", "not_ready"]


def test_one_operator_never_gets_two_calls(app: Flask, client: FlaskClient) -> None:
    shop_with_number(app)
    (operator,) = ready_operators(app, 1)
    incoming(app, client, sid="CA1")
    incoming(app, client, sid="CA2")
    assert "<Leave />" in hold(app, client, "CA1")
    assert "<Leave />" not in hold(app, client, "CA2", position=1)
    assert the_call(app, "CA2").operator_id is None
    # The second caller hears their place while they wait.
    assert "1番目" in hold(app, client, "CA2")
    assert state(app, operator).call_sid == "CA1"


def test_a_caller_who_hangs_up_while_the_operator_rings_frees_the_operator(
    app: Flask, client: FlaskClient
) -> None:
    shop_with_number(app)
    (operator,) = ready_operators(app, 1)
    incoming(app, client)
    hold(app, client)
    dial = leave_queue(app, client)
    post(app, client, leg_url("statusCallback", dial), {"CallSid": "CL1", "CallStatus": "canceled"})
    post(
        app,
        client,
        "/carrier/twilio/status",
        {"CallSid": "CA1", "CallStatus": "completed", "Timestamp": stamp(30)},
    )
    assert state(app, operator).state == "ready"
    assert the_call(app).outcome == "abandoned"


def test_the_operators_leg_callbacks_converge_in_any_order_and_repeat(app: Flask) -> None:
    shop_with_number(app)
    (operator,) = ready_operators(app, 1)
    client = app.test_client()
    incoming(app, client)
    hold(app, client)
    dial = leave_queue(app, client)
    leg = leg_url("statusCallback", dial)
    callbacks = [
        (leg, {"CallSid": "CL1", "CallStatus": "ringing", "Timestamp": stamp(1)}),
        (leg, {"CallSid": "CL1", "CallStatus": "in-progress", "Timestamp": stamp(3)}),
        (
            leg,
            {
                "CallSid": "CL1",
                "CallStatus": "completed",
                "Timestamp": stamp(60),
                "CallDuration": "57",
            },
        ),
        (
            "/carrier/twilio/status",
            {
                "CallSid": "CA1",
                "CallStatus": "completed",
                "Timestamp": stamp(61),
                "CallDuration": "70",
            },
        ),
    ]
    shuffled = list(itertools.chain.from_iterable([c, c] for c in callbacks))
    random.Random(7).shuffle(shuffled)
    for path, params in shuffled:
        post(app, client, path, params)
    call = the_call(app)
    assert call.outcome == "answered"
    assert call.operator_id == operator
    assert state(app, operator).state == "after_call_work"
    with system(app) as session:
        logged = session.scalars(
            select(OperatorStateChange.state).where(OperatorStateChange.operator_id == operator)
        ).all()
    assert sorted(logged) == ["after_call_work", "on_call"]


def test_leg_urls_without_their_call_are_refused(app: Flask, client: FlaskClient) -> None:
    shop_with_number(app)
    for path in ("/carrier/twilio/leg", "/carrier/twilio/leg?call=CA1&operator=nobody"):
        assert (
            post(app, client, path, {"CallSid": "CL1", "CallStatus": "completed"}).status_code
            == 400
        )  # type: ignore[attr-defined]
    with system(app) as session:
        assert (
            session.scalars(select(User).where(User.staff_role == StaffRole.OPERATOR)).all() == []
        )
    assert Call is not None


def test_an_operator_whose_leg_never_reported_its_end_is_freed_by_the_sweep(
    app: Flask, client: FlaskClient
) -> None:
    shop_with_number(app)
    (operator,) = ready_operators(app, 1)
    incoming(app, client)
    hold(app, client)
    dial = leave_queue(app, client)
    post(
        app,
        client,
        leg_url("statusCallback", dial),
        {"CallSid": "CL1", "CallStatus": "in-progress", "Timestamp": stamp(-300)},
    )
    post(
        app,
        client,
        "/carrier/twilio/status",
        {"CallSid": "CA1", "CallStatus": "completed", "Timestamp": stamp(-200)},
    )
    assert state(app, operator).state == "on_call"  # the leg's "completed" was lost
    with system(app):
        freed = routing.release_stale(utcnow(), timedelta(seconds=30))
    assert freed == 1
    assert state(app, operator).state == "after_call_work"


def test_the_console_pops_the_card_of_the_call_given_to_the_operator(app: Flask) -> None:
    shop_with_number(app)
    ready_operators(app, 1)
    console = app.test_client()
    log_in(console, "op0@answering.example.jp", PASSWORD)
    now = console.get("/console/now").get_json()
    line = now.pop("state_line")  # the page's state line: since when, in Tokyo time
    assert re.fullmatch(r"受付可 — \d{1,2}:\d{2} から", line), line
    assert now == {
        "call": None,
        "answered": False,
        "state": "ready",
        "state_label": "受付可",
        "after_call_left_s": None,
    }
    assert console.get("/console/card").status_code == 204

    carrier = app.test_client()
    incoming(app, carrier)
    hold(app, carrier)
    now = console.get("/console/now").get_json()
    line = now.pop("state_line")  # the page's state line: since when, in Tokyo time
    assert re.fullmatch(r"通話中 — \d{1,2}:\d{2} から", line), line
    assert now == {
        "call": "CA1",
        "answered": False,
        "state": "on_call",
        "state_label": "通話中",
        "after_call_left_s": None,
    }
    card = console.get("/console/card").get_data(as_text=True)
    assert "alpha shop" in card
    assert "テストショップ" in card
    assert "090-1234-5678" in card  # the caller, in Japanese format
    assert "この番号からの初めてのお電話です。" in card
    page = console.get("/console?q=").get_data(as_text=True)
    assert 'data-current="CA1"' in page


def test_a_withheld_number_is_shown_as_such_and_never_joins_strangers_histories(
    app: Flask,
) -> None:
    shop_with_number(app)
    ready_operators(app, 1)
    console = app.test_client()
    log_in(console, "op0@answering.example.jp", PASSWORD)
    carrier = app.test_client()
    for sid in ("CA0", "CA1"):  # two strangers, both withholding their number
        post(
            app,
            carrier,
            "/carrier/twilio/voice",
            {"CallSid": sid, "From": "anonymous", "To": "+81345000001", "CallStatus": "ringing"},
        )
    post(app, carrier, "/carrier/twilio/status", {"CallSid": "CA0", "CallStatus": "completed"})
    hold(app, carrier, "CA1")
    card = console.get("/console/card").get_data(as_text=True)
    assert '<dd data-testid="caller">非通知</dd>' in card
    assert "非通知のお電話のため、過去のお電話はわかりません。" in card
    assert "anonymous" not in card
    owner = app.test_client()
    log_in(owner, "owner@alpha.example.jp", PASSWORD)
    calls = owner.get("/shops/alpha/calls/").get_data(as_text=True)
    assert calls.count("<td>非通知</td>") == 2
    assert "anonymous" not in calls


def test_the_console_shows_nothing_of_a_call_given_to_someone_else(app: Flask) -> None:
    shop_with_number(app)
    ready_operators(app, 2)
    incoming(app, app.test_client())
    hold(app, app.test_client())
    other = app.test_client()
    log_in(other, "op1@answering.example.jp", PASSWORD)
    assert other.get("/console/now").get_json()["call"] is None
    assert other.get("/console/card").status_code == 204
    assert "alpha shop" not in other.get("/console").get_data(as_text=True)


def test_the_browser_phone_token_names_the_operators_identity(app: Flask) -> None:
    import jwt

    ready_operators(app, 1)
    console = app.test_client()
    log_in(console, "op0@answering.example.jp", PASSWORD)
    assert console.get("/console/phone-token").status_code == 404  # not configured
    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = dataclasses.replace(
        settings,
        twilio_account_sid="AC" + "1" * 32,
        twilio_api_key="SK" + "2" * 32,
        twilio_api_secret="browser-phone-secret-of-at-least-32-bytes",
        twilio_twiml_app_sid="AP" + "3" * 32,
    )
    try:
        minted = console.get("/console/phone-token").get_json()
    finally:
        app.config["SETTINGS"] = settings
    claims = jwt.decode(
        minted["token"], "browser-phone-secret-of-at-least-32-bytes", algorithms=["HS256"]
    )
    with system(app) as session:
        me = session.scalars(select(User.id).where(User.email == "op0@answering.example.jp")).one()
    assert claims["grants"]["identity"] == f"operator-{me}" == minted["identity"]
    assert claims["grants"]["voice"]["incoming"] == {"allow": True}
    assert claims["iss"] == "SK" + "2" * 32
    assert claims["sub"] == "AC" + "1" * 32


def test_a_flood_of_carrier_requests_is_slowed_down_and_changes_nothing(
    app: Flask, client: FlaskClient
) -> None:
    shop_with_number(app)
    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = dataclasses.replace(settings, carrier_webhook_limit="5 per minute")
    try:
        answers = [incoming(app, client, sid=f"CA{n}").status_code for n in range(7)]  # type: ignore[attr-defined]
    finally:
        app.config["SETTINGS"] = settings
    assert answers == [200] * 5 + [429] * 2
    with system(app) as session:
        assert sorted(session.scalars(select(Call.call_sid)).all()) == [f"CA{n}" for n in range(5)]


def test_a_caller_who_presses_1_keeps_their_place_and_is_listed_for_operators(
    app: Flask, client: FlaskClient
) -> None:
    shop_with_number(app)
    incoming(app, client)
    held = post(
        app,
        client,
        "/carrier/twilio/wait",
        {"CallSid": "CA1", "QueuePosition": "3", "QueueTime": "65", "AvgQueueTime": "90"},
    ).get_data(as_text=True)  # type: ignore[attr-defined]
    assert 'action="http://localhost/carrier/twilio/callback-choice"' in held
    accepted = post(
        app, client, "/carrier/twilio/callback-choice", {"CallSid": "CA1", "Digits": "1"}
    ).get_data(as_text=True)  # type: ignore[attr-defined]
    assert "<Hangup />" in accepted
    post(app, client, "/carrier/twilio/status", {"CallSid": "CA1", "CallStatus": "completed"})
    assert the_call(app).outcome == "callback"
    make_staff(app, StaffRole.OPERATOR, "op9@answering.example.jp")
    console = app.test_client()
    log_in(console, "op9@answering.example.jp", PASSWORD)
    listed = console.get("/console/callbacks").get_data(as_text=True)
    kept = listed[listed.index('data-testid="kept-places"') :]
    assert "alpha shop" in kept
    assert "090-1234-5678" in kept
    assert "順番待ち" in kept


def test_a_rate_limit_store_that_does_not_answer_lets_the_carrier_in(tmp_path: Path) -> None:
    """The limits count in Redis; with Redis away, calls are taken, not refused."""
    from tenants.db import db
    from tenants.web import limiter
    from tests.conftest import build_app, fresh_database_url, migrate
    from tests.faults.stack import free_port

    # The limiter is one object for the process: the store this application gives it (a Redis
    # nobody listens on) would stay after the test for every later test's application.
    kept = limiter._storage, limiter._limiter
    try:
        other = build_app(
            fresh_database_url("limit_store", tmp_path),
            REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
            CARRIER_WEBHOOK_LIMIT="5 per minute",
        )
        migrate(other)
        shop_with_number(other)
        client = other.test_client()
        answers = [incoming(other, client, sid=f"CA{n}").status_code for n in range(7)]  # type: ignore[attr-defined]
        assert answers == [200] * 7
        with system(other) as session:
            assert len(session.scalars(select(Call.call_sid)).all()) == 7
        with other.app_context():
            db.engine.dispose()
    finally:
        limiter._storage, limiter._limiter = kept
