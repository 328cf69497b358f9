"""The carrier simulator against the real endpoints on a real port: every call it places ends in a
complete record, whatever the order and repeats of its callbacks, and no operator gets two calls."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from answering.models import Call
from answering.simulator.carrier import MP3_FRAME
from answering.simulator.scenario import SIM_DOMAIN, Plan, SimulationRefused, run
from scheduling import agents
from scheduling.models import OperatorState
from tenants.models import StaffRole, User
from tenants.storage import store
from tests.answering.test_carrier import shop_with_number
from tests.conftest import build_app, csrf_token, fresh_database_url, log_in, migrate, system
from tests.factories import PASSWORD, make_staff


@pytest.fixture(scope="module")
def sim_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An application on its own database: the simulation commits from many threads."""
    from tenants.db import db

    application = build_app(fresh_database_url("simulation", tmp_path_factory.mktemp("sim")))
    migrate(application)
    shop_with_number(application)
    yield application
    with application.app_context():
        db.engine.dispose()


def test_every_call_ends_in_a_complete_record_with_callbacks_duplicated_and_shuffled(
    sim_app: Flask,
) -> None:
    plan = Plan(
        calls=30,
        concurrency=8,
        operators=4,
        duplicate_callbacks=True,
        shuffle_callbacks=True,
        scale=0.004,
        seed=3,
    )
    report = run(sim_app, plan)
    assert report.incomplete == []
    assert report.complete == 30
    assert report.double_booked == 0
    assert report.answered > 0
    assert report.answered + report.abandoned + report.short_abandoned == 30
    with system(sim_app) as session:
        calls = session.scalars(select(Call).where(Call.outcome == "answered")).all()
        assert len({call.operator_id for call in calls}) > 1  # the work was shared
        assert all(call.recording_sid for call in calls)
        # ...and copied into our storage, so the shop can play them (a run from the browser too).
        assert [call.recording_error for call in calls if call.recording_key is None] == []
        kept = store(sim_app).path(calls[0].recording_key or "").read_bytes()
        assert kept.startswith(MP3_FRAME)
        assert len(kept) >= 38 * len(MP3_FRAME)  # a second of sound a browser plays
        # Waits are never negative; the end is within the carrier's one-second resolution.
        assert all(c.queued_at <= c.answered_at for c in calls)  # type: ignore[operator]
        assert all(
            (c.ended_at - c.answered_at).total_seconds() > -1  # type: ignore[operator]
            for c in calls
        )


def test_the_reconciliation_repairs_what_lost_callbacks_left_open(sim_app: Flask) -> None:
    plan = Plan(calls=20, concurrency=6, operators=3, lose_callbacks=0.4, scale=0.004, seed=5)
    report = run(sim_app, plan)
    assert report.lost > 0
    assert report.repaired > 0
    assert report.incomplete == []
    assert report.complete == 20


def test_callers_who_ask_for_a_callback_keep_their_place_and_are_called_back(
    sim_app: Flask,
) -> None:
    plan = Plan(calls=24, concurrency=8, operators=2, callback_share=0.5, scale=0.004, seed=9)
    report = run(sim_app, plan)
    assert report.incomplete == []
    assert report.double_booked == 0
    assert report.outcomes["callback"] > 0
    assert report.callbacks["connected"] > 0
    with system(sim_app) as session:
        requested = session.scalars(select(Call).where(Call.outcome == "callback")).all()
        back = session.scalars(
            select(Call).where(Call.direction == "outbound", Call.outcome == "answered")
        ).all()
        # Each callback rang from the shop's number to the caller who asked for it.
        callers = {call.from_number for call in requested}
        assert back
        assert {call.to_number for call in back} <= callers
        assert all(call.queued_at is None for call in back)  # never counted as offered
    # Offered and answered as the answer-rate report counts them: our callbacks apart.
    assert report.outcomes["answered"] == report.answered + len(back)
    assert report.offered == report.answered + report.abandoned


def test_the_carriers_rest_api_is_read_with_the_twilio_library(sim_app: Flask) -> None:
    from answering.providers import TwilioTelephony
    from answering.simulator.carrier import ACCOUNT, SimulatedCarrier

    carrier = SimulatedCarrier(
        target="http://127.0.0.1:9",
        public_base="http://localhost",
        sign=lambda u, p: "",
        operators=[],
    )
    try:
        api = TwilioTelephony("token", ACCOUNT, carrier.media.url)
        assert api.fetch_call("CA" + "0" * 32) is None
        carrier._keep(
            "CA1", status="completed", end_time="Tue, 24 Nov 2026 07:00:00 +0000", duration=42
        )
        found = api.fetch_call("CA1")
        assert found is not None
        assert (found.status, found.duration_s) == ("completed", 42)
        assert found.end_time is not None
        assert found.end_time.hour == 7
        assert api.recordings("CA1") == []
    finally:
        carrier.close()


def test_the_command_prints_what_happened(sim_app: Flask) -> None:
    result = sim_app.test_cli_runner().invoke(
        args=[
            "answering",
            "simulate",
            "--calls",
            "6",
            "--concurrency",
            "3",
            "--operators",
            "2",
            "--scale",
            "0.004",
            "--shop",
            "alpha",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "calls placed       6" in result.stdout
    assert "records complete   6" in result.stdout
    assert "double bookings    0" in result.stdout


def test_bad_requests_are_refused_before_any_call(sim_app: Flask) -> None:
    runner = sim_app.test_cli_runner()
    unknown = runner.invoke(args=["answering", "simulate", "--calls", "2", "--shop", "nosuch"])
    assert unknown.exit_code == 2
    assert "no rented phone number for: nosuch" in unknown.output
    zero = runner.invoke(args=["answering", "simulate", "--calls", "0"])
    assert zero.exit_code == 2
    made = make_staff(sim_app, StaffRole.OPERATOR, "real@answering.example.jp")
    with system(sim_app) as session:
        person = session.get(User, made["user_id"])
        agents.set_state(person, "ready", reason=None, actor=person)
    with pytest.raises(SimulationRefused, match="other operators are ready"):
        run(sim_app, Plan(calls=1, concurrency=1, operators=1))
    assert simulated_ready(sim_app) == []  # real callers are never routed to them
    with system(sim_app) as session:  # leave the module's other runs an empty floor
        person = session.get(User, made["user_id"])
        agents.set_state(person, "offline", reason=None, actor=person)


def test_a_supervisor_runs_the_simulation_from_the_page(sim_app: Flask) -> None:
    make_staff(sim_app, StaffRole.SUPERVISOR, "lead@answering.example.jp")
    client = sim_app.test_client()
    log_in(client, "lead@answering.example.jp", PASSWORD)
    page = client.get("/staff/simulation").get_data(as_text=True)
    assert "通話シミュレーション" in page
    token = csrf_token(client, "/staff/simulation")
    bad = client.post(
        "/staff/simulation",
        data={"csrf_token": token, "calls": "0", "operators": "2", "concurrency": "2"},
    )
    assert bad.status_code == 400
    # One message a person can act on per field, whatever was wrong with it.
    for calls in ("0", "abc", "501", ""):
        form = {"csrf_token": token, "calls": calls, "operators": "", "concurrency": "2"}
        said = client.post("/staff/simulation", data=form).get_data(as_text=True)
        assert said.count('role="alert"') == 2, calls
        assert "1〜500の整数で入力してください。" in said
        assert "1〜40の整数で入力してください。" in said
        assert "無効な整数" not in said
    started = client.post(
        "/staff/simulation",
        data={
            "csrf_token": token,
            "calls": "6",
            "operators": "2",
            "concurrency": "3",
            "callback_share": "0",
            "lose_share": "0",
        },
    )
    assert started.status_code == 302
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        shown = client.get("/staff/simulation").get_data(as_text=True)
        if 'data-testid="simulation-run"' in shown:
            break
        time.sleep(0.5)
    assert '<th>完全な通話記録</th><td data-testid="complete">6</td>' in shown
    outcomes = shown.split('data-testid="outcomes">')[1].split("</td>")[0]
    assert "応対済み" in outcomes  # what became of the calls, in words
    assert "answered" not in outcomes
    operator = app_operator_client(sim_app)
    assert operator.get("/staff/simulation").status_code == 404


def test_a_run_refused_from_the_page_says_why_and_what_to_do(sim_app: Flask) -> None:
    make_staff(sim_app, StaffRole.SUPERVISOR, "lead2@answering.example.jp")
    made = make_staff(sim_app, StaffRole.OPERATOR, "busy@answering.example.jp")
    with system(sim_app) as session:
        person = session.get(User, made["user_id"])
        agents.set_state(person, "ready", reason=None, actor=person)
    try:
        client = sim_app.test_client()
        log_in(client, "lead2@answering.example.jp", PASSWORD)
        token = csrf_token(client, "/staff/simulation")
        form = {"csrf_token": token, "calls": "1", "operators": "1", "concurrency": "1"}
        refused = client.post("/staff/simulation", data=form, follow_redirects=True)
        shown = refused.get_data(as_text=True)  # said at once, not after a reload
        assert "受付可のオペレーターが1人いて" in shown
        assert "other operators are ready" not in shown
        assert "開始しました" not in shown
        assert simulated_ready(sim_app) == []  # the refused run made nobody ready
    finally:
        with system(sim_app) as session:  # leave the module's other runs an empty floor
            person = session.get(User, made["user_id"])
            agents.set_state(person, "offline", reason=None, actor=person)


def test_a_run_with_incomplete_records_is_shown_as_failed_naming_them(sim_app: Flask) -> None:
    from tenants.services import audit

    make_staff(sim_app, StaffRole.SUPERVISOR, "lead3@answering.example.jp")
    detail = {"placed": 3, "offered": 3, "answered": 3, "complete": 1, "incomplete": 2}
    problems = "CAone: no record (talked)\nCAtwo: answered without its answer time or recording"
    with system(sim_app):
        audit("simulation.finished", actor=None, detail={**detail, "incomplete_calls": problems})
    client = sim_app.test_client()
    log_in(client, "lead3@answering.example.jp", PASSWORD)
    page = client.get("/staff/simulation").get_data(as_text=True)
    banner = page.split('data-testid="incomplete">')[1].split("</div>")[0]
    assert "失敗：2件の通話記録が" in banner
    assert "<code>CAone: no record (talked)</code>" in banner
    assert "<code>CAtwo: answered without its answer time or recording</code>" in banner


def test_the_page_warns_when_no_shop_is_answered_now(sim_app: Flask) -> None:
    from tenants.coverage import services as coverage
    from tenants.models import Shop

    make_staff(sim_app, StaffRole.SUPERVISOR, "lead4@answering.example.jp")
    client = sim_app.test_client()
    log_in(client, "lead4@answering.example.jp", PASSWORD)
    assert 'data-testid="outside-hours"' not in client.get("/staff/simulation").get_data(True)
    with system(sim_app) as session:  # 臨時休業: nobody's calls are answered now
        coverage.start_emergency(session.scalars(select(Shop)).one(), None, "本日休業", None)
    try:
        page = client.get("/staff/simulation").get_data(as_text=True)
        warning = page.split('data-testid="outside-hours">')[1].split("</p>")[0]
        assert "対応時間内のショップがありません" in warning
    finally:
        with system(sim_app) as session:
            coverage.end_emergency(session.scalars(select(Shop)).one(), None, None)


def simulated_ready(app: Flask) -> list[str]:
    """The simulated operators a real caller could be routed to now."""
    with system(app) as session:
        return list(
            session.scalars(
                select(User.email)
                .join(OperatorState, OperatorState.operator_id == User.id)
                .where(
                    User.email.endswith(f"@{SIM_DOMAIN}"),
                    OperatorState.state.in_(("ready", "after_call_work")),
                )
            )
        )


def app_operator_client(app: Flask) -> FlaskClient:
    make_staff(app, StaffRole.OPERATOR, "watcher@answering.example.jp")
    client = app.test_client()
    log_in(client, "watcher@answering.example.jp", PASSWORD)
    return client


def test_connected_to_the_real_carrier_the_page_runs_no_simulated_calls(tmp_path: Path) -> None:
    """Simulated calls would become real shops' records: with the carrier's token set, the page
    explains, refuses a run and leaves the menu without it."""
    from tenants.db import db

    live = build_app(fresh_database_url("live_carrier", tmp_path), TWILIO_AUTH_TOKEN="a" * 32)
    migrate(live)
    shop_with_number(live)
    make_staff(live, StaffRole.SUPERVISOR, "lead@answering.example.jp")
    client = live.test_client()
    log_in(client, "lead@answering.example.jp", PASSWORD)
    page = client.get("/staff/simulation").get_data(as_text=True)
    assert "実際の電話回線につながっている" in page
    assert '<form method="post" class="card form"' not in page  # no run button
    assert "/staff/simulation" not in client.get("/staff/calls/").get_data(as_text=True)
    token = csrf_token(client, "/staff/calls/")
    refused = client.post(
        "/staff/simulation",
        data={"csrf_token": token, "calls": "3", "operators": "1", "concurrency": "1"},
    )
    assert refused.status_code == 403
    time.sleep(0.5)  # a run would have started its thread by now
    with system(live) as session:
        assert session.scalars(select(Call)).all() == []
    with live.app_context():
        db.engine.dispose()
