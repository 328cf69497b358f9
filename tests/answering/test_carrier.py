"""The carrier's webhooks: signatures, the call decision, call records and converging callbacks."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import format_datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text, update

from answering.carrier_views import telephony
from answering.models import Call, CallIndex
from tenants.coverage import services as coverage
from tenants.models import Shop
from tenants.numbers import services as numbers
from tenants.scripts import services as scripts
from tests.answering.carrier import post
from tests.conftest import log_in, system
from tests.factories import PASSWORD, make_shop

NUMBER = "+81345000001"


def shop_with_number(app: Flask, hours: str | None = "00:00-24:00") -> None:
    make_shop(app, "alpha")
    with system(app) as session:
        shop = session.scalars(select(Shop).where(Shop.slug == "alpha")).one()
        number = numbers.add_to_pool("03-4500-0001", kind="phone")
        session.flush()
        numbers.rent(shop, number.id, actor=None, ip=None)
        days = {d: hours for d in range(7)} if hours else {}
        coverage.save_version(shop, None, coverage.WeekInput(days, "as_weekday", "", None))


def incoming(app: Flask, client: FlaskClient, sid: str = "CA1", to: str = NUMBER) -> object:
    return post(
        app,
        client,
        "/carrier/twilio/voice",
        {"CallSid": sid, "From": "+819012345678", "To": to, "CallStatus": "ringing"},
    )


def the_call(app: Flask, sid: str = "CA1") -> Call:
    with system(app) as session:
        call = session.scalars(select(Call).where(Call.call_sid == sid)).one()
        session.expunge(call)
        return call


def test_unsigned_or_forged_webhooks_are_refused_and_change_nothing(
    app: Flask, client: FlaskClient
) -> None:
    shop_with_number(app)
    params = {"CallSid": "CA1", "From": "+819012345678", "To": NUMBER}
    assert client.post("/carrier/twilio/voice", data=params).status_code == 403
    assert post(app, client, "/carrier/twilio/voice", params, signature="forged").status_code == 403
    tampered = dict(params, To="+81345000009")
    good = post(app, client, "/carrier/twilio/voice", params).status_code
    assert good == 200

    sign = telephony(app).sign("http://localhost/carrier/twilio/voice", params)
    replay_elsewhere = client.post(
        "/carrier/twilio/voice", data=tampered, headers={"X-Twilio-Signature": sign}
    )
    assert replay_elsewhere.status_code == 403
    with system(app) as session:
        assert len(session.scalars(select(Call)).all()) == 1


def test_call_in_coverage_is_greeted_in_japanese_and_queued(
    app: Flask, client: FlaskClient
) -> None:
    shop_with_number(app)
    response = incoming(app, client)
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    assert 'language="ja-JP"' in body
    assert "テストショップです" in body  # the shop's reading
    assert "<Enqueue" in body
    call = the_call(app)
    assert call.outcome == "in_progress"
    assert call.queued_at is not None


def test_call_outside_coverage_leaves_a_message(app: Flask, client: FlaskClient) -> None:
    shop_with_number(app, hours=None)
    body = incoming(app, client).get_data(as_text=True)
    assert "<Record" in body
    assert "営業時間外" in body
    assert "/carrier/twilio/recording#rc=3&amp;rp=all" in body
    post(
        app,
        client,
        "/carrier/twilio/recording",
        {
            "CallSid": "CA1",
            "RecordingSid": "RE1",
            "RecordingStatus": "completed",
            "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
            "RecordingDuration": "14",
        },
    )
    post(
        app,
        client,
        "/carrier/twilio/status",
        {"CallSid": "CA1", "CallStatus": "completed", "CallDuration": "40"},
    )
    call = the_call(app)
    assert call.outcome == "after_hours_message"
    assert call.recording_duration_s == 14


def test_emergency_closure_plays_its_message(app: Flask, client: FlaskClient) -> None:
    shop_with_number(app)
    with system(app) as session:
        shop = session.scalars(select(Shop)).one()
        coverage.start_emergency(shop, None, "本日は臨時休業です。", None)
    body = incoming(app, client).get_data(as_text=True)
    assert "本日は臨時休業です。" in body
    assert "<Hangup" in body
    assert the_call(app).outcome == "closed"


def test_every_change_a_caller_hears_reaches_the_very_next_call(
    app: Flask, client: FlaskClient
) -> None:
    """Incoming calls use a per-process copy of the shop's setup: each change must still count."""

    def hears(sid: str) -> str:
        return str(incoming(app, client, sid=sid).get_data(as_text=True))  # type: ignore[attr-defined]

    def change(work: Callable[[Shop], object]) -> None:
        with system(app) as session:
            work(session.scalars(select(Shop)).one())

    shop_with_number(app)
    assert "<Enqueue" in hears("CA1")
    change(lambda shop: coverage.start_emergency(shop, None, "本日は臨時休業です。", None))
    assert "本日は臨時休業です。" in hears("CA3")
    change(lambda shop: coverage.end_emergency(shop, None, None))
    assert "<Enqueue" in hears("CA4")
    change(
        lambda shop: coverage.save_version(
            shop, None, coverage.WeekInput({}, "as_weekday", "", None)
        )
    )
    assert "営業時間外" in hears("CA5")

    def publish_after_hours(shop: Shop) -> None:
        scripts.update_basics(
            shop,
            greeting="",
            after_hours_message="明日またおかけください。",
            keywords=[],
            categories=[],
        )
        scripts.publish(shop, None)

    change(publish_after_hours)
    assert "明日またおかけください。" in hears("CA6")
    every_day = {day: "00:00-24:00" for day in range(7)}
    change(
        lambda shop: coverage.save_version(
            shop, None, coverage.WeekInput(every_day, "as_weekday", "", None)
        )
    )
    assert "<Enqueue" in hears("CA7")
    with system(app) as session:  # bulk updates, as an admin's tool might write them
        session.execute(update(Shop).values(name_kana="アルファショウテン"))
    assert "アルファショウテンです" in hears("CA8")
    with system(app) as session:
        session.execute(update(Shop).values(status="suspended"))
    assert "休止しております" in hears("CA9")


def test_unknown_number_gets_a_polite_message_and_is_logged(
    app: Flask, client: FlaskClient
) -> None:
    body = incoming(app, client, to="+81399999999").get_data(as_text=True)
    assert "現在使われておりません" in body
    with system(app) as session:
        assert session.get(CallIndex, "CA1").shop_id is None
        assert session.scalars(select(Call)).all() == []


def test_retried_webhook_makes_one_record(app: Flask, client: FlaskClient) -> None:
    shop_with_number(app)
    incoming(app, client)
    incoming(app, client)
    with system(app) as session:
        assert len(session.scalars(select(Call)).all()) == 1


def test_malformed_requests_get_4xx_and_early_callbacks_a_retry(
    app: Flask, client: FlaskClient
) -> None:
    shop_with_number(app)
    assert post(app, client, "/carrier/twilio/voice", {"To": NUMBER}).status_code == 400
    nul = post(app, client, "/carrier/twilio/voice", {"CallSid": "CA\x001", "To": NUMBER})
    assert nul.status_code == 400
    huge = post(
        app,
        client,
        "/carrier/twilio/voice",
        {"CallSid": "CA2", "To": NUMBER, "Pad": "x" * (5 * 1024 * 1024)},
    )
    assert huge.status_code == 413
    early = post(
        app, client, "/carrier/twilio/recording", {"CallSid": "CA404", "RecordingSid": "RE9"}
    )
    assert early.status_code == 503  # not seen yet: the carrier retries later


def test_short_and_long_abandons(app: Flask, client: FlaskClient) -> None:
    shop_with_number(app)
    incoming(app, client, sid="CA1")
    incoming(app, client, sid="CA2")
    arrived = the_call(app, "CA1").queued_at
    soon = format_datetime(arrived + timedelta(seconds=3))
    later = format_datetime(arrived + timedelta(seconds=45))
    post(
        app,
        client,
        "/carrier/twilio/status",
        {"CallSid": "CA1", "CallStatus": "completed", "Timestamp": soon},
    )
    post(
        app,
        client,
        "/carrier/twilio/status",
        {"CallSid": "CA2", "CallStatus": "completed", "Timestamp": later},
    )
    assert the_call(app, "CA1").outcome == "short_abandon"
    assert the_call(app, "CA2").outcome == "abandoned"


def callbacks(ended: datetime) -> list[tuple[str, dict[str, str]]]:
    """A call's callbacks, the last of them saying it ended at `ended` (the carrier's time)."""
    return [
        ("/carrier/twilio/status", {"CallSid": "CA1", "CallStatus": "ringing"}),
        ("/carrier/twilio/status", {"CallSid": "CA1", "CallStatus": "in-progress"}),
        (
            "/carrier/twilio/recording",
            {
                "CallSid": "CA1",
                "RecordingSid": "RE1",
                "RecordingStatus": "completed",
                "RecordingDuration": "20",
                "RecordingUrl": "https://api.twilio.com/r/RE1",
            },
        ),
        (
            "/carrier/twilio/status",
            {
                "CallSid": "CA1",
                "CallStatus": "completed",
                "CallDuration": "61",
                "Timestamp": format_datetime(ended),
            },
        ),
    ]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.randoms(use_true_random=False), st.lists(st.integers(0, 3), max_size=6))
def test_callbacks_converge_in_any_order_and_repeat(
    app: Flask, client: FlaskClient, shuffle: random.Random, repeats: list[int]
) -> None:
    shop_with_number_once(app)
    sid = f"CA{shuffle.randrange(10**9)}"
    incoming(app, client, sid=sid, to=NUMBER)
    # a minute in the queue: long past a short abandon, whatever day the test runs
    ended = (the_call(app, sid).arrived_at + timedelta(seconds=60)).replace(microsecond=0)
    events = [(path, dict(params, CallSid=sid)) for path, params in callbacks(ended)]
    events += [events[i] for i in repeats]
    shuffle.shuffle(events)
    for path, params in events:
        assert post(app, client, path, params).status_code == 204
    call = the_call(app, sid)
    assert (
        call.outcome,
        call.carrier_status,
        call.duration_s,
        call.recording_sid,
        call.recording_duration_s,
        call.ended_at,
    ) == ("abandoned", "completed", 61, "RE1", 20, ended)


def shop_with_number_once(app: Flask) -> None:
    """Hypothesis runs every example in the same test transaction: make the shop on the first."""
    with system(app) as session:
        exists = session.scalars(select(Shop).where(Shop.slug == "alpha")).first() is not None
    if not exists:
        shop_with_number(app)


def test_an_ended_call_counts_once_in_the_demand_history(app: Flask, client: FlaskClient) -> None:
    from scheduling import demand

    shop_with_number(app)
    incoming(app, client, sid="CA1")
    queued = the_call(app, "CA1").queued_at
    done = {
        "CallSid": "CA1",
        "CallStatus": "completed",
        "Timestamp": format_datetime(queued + timedelta(seconds=50)),
    }
    for _ in range(3):
        post(app, client, "/carrier/twilio/status", done)
    with system(app):
        rows = demand.history(
            "team-default", queued - timedelta(hours=1), queued + timedelta(hours=1)
        )
        assert [(r.offered, r.abandoned) for r in rows] == [(1, 1)]


def publish_menu(app: Flask) -> None:
    from tenants.scripts import services as scripts

    with system(app) as session:
        shop = session.scalars(select(Shop)).one()
        scripts.replace_draft(
            shop,
            {
                "menu": [
                    {"key": 1, "label": "ご注文について", "category": "order"},
                    {"key": 2, "label": "返品について", "category": "return"},
                ]
            },
        )
        scripts.publish(shop, None)


def test_voice_menu_records_the_choice(app: Flask, client: FlaskClient) -> None:
    shop_with_number(app)
    publish_menu(app)
    body = incoming(app, client).get_data(as_text=True)
    assert "<Gather" in body
    assert "ご注文については1を" in body
    queued = post(app, client, "/carrier/twilio/menu", {"CallSid": "CA1", "Digits": "2"})
    assert "<Enqueue" in queued.get_data(as_text=True)
    call = the_call(app)
    assert (call.menu_choice, call.menu_category) == ("返品について", "return")


def test_a_key_outside_the_menu_asks_once_more_then_queues(app: Flask, client: FlaskClient) -> None:
    shop_with_number(app)
    publish_menu(app)
    incoming(app, client)
    again = post(app, client, "/carrier/twilio/menu", {"CallSid": "CA1", "Digits": "9"})
    body = again.get_data(as_text=True)
    assert "入力が確認できませんでした" in body
    assert "/carrier/twilio/menu?retry=1" in body
    second = post(app, client, "/carrier/twilio/menu?retry=1", {"CallSid": "CA1", "Digits": "7"})
    assert "<Enqueue" in second.get_data(as_text=True)
    assert the_call(app).menu_choice is None


def test_a_late_earlier_end_moves_the_call_in_the_demand_history(
    app: Flask, client: FlaskClient
) -> None:
    from scheduling import demand

    shop_with_number(app)
    incoming(app, client, sid="CA1")
    queued = the_call(app, "CA1").queued_at
    post(
        app,
        client,
        "/carrier/twilio/status",
        {
            "CallSid": "CA1",
            "CallStatus": "completed",
            "Timestamp": format_datetime(queued + timedelta(seconds=60)),
        },
    )
    post(
        app,
        client,
        "/carrier/twilio/status",
        {
            "CallSid": "CA1",
            "CallStatus": "canceled",
            "Timestamp": format_datetime(queued + timedelta(seconds=3)),
        },
    )
    assert the_call(app, "CA1").outcome == "short_abandon"
    with system(app):
        [row] = demand.history(
            "team-default", queued - timedelta(hours=1), queued + timedelta(hours=1)
        )
        assert (row.offered, row.abandoned, row.short_abandoned) == (0, 0, 1)


def test_hanging_up_in_the_menu_is_not_offered(app: Flask, client: FlaskClient) -> None:
    from scheduling import demand

    shop_with_number(app)
    publish_menu(app)
    incoming(app, client)
    arrived = the_call(app).arrived_at
    post(
        app,
        client,
        "/carrier/twilio/status",
        {
            "CallSid": "CA1",
            "CallStatus": "completed",
            "Timestamp": format_datetime(arrived + timedelta(seconds=12)),
        },
    )
    call = the_call(app)
    assert (call.outcome, call.queued_at) == ("menu_hangup", None)
    owner = app.test_client()
    log_in(owner, "owner@alpha.example.jp", PASSWORD)
    calls = owner.get("/shops/alpha/calls/").get_data(as_text=True)
    assert "<td>音声メニューの途中で切れました</td>" in calls  # the result in words, never blank
    with system(app):
        assert (
            demand.history(
                "team-default", arrived - timedelta(hours=1), arrived + timedelta(hours=1)
            )
            == []
        )


def test_the_queue_starts_when_the_menu_ends(app: Flask, client: FlaskClient) -> None:
    shop_with_number(app)
    publish_menu(app)
    incoming(app, client)
    assert the_call(app).queued_at is None
    post(app, client, "/carrier/twilio/menu", {"CallSid": "CA1", "Digits": "1"})
    assert the_call(app).queued_at is not None


def test_the_number_lookup_leaves_the_transaction_scoped_to_the_shop_alone(app: Flask) -> None:
    """On PostgreSQL the lookup sets the shop's scope in its own statement: after it, the
    transaction sees that shop's rows and no other's, as after `set_scope`."""
    from answering import call_setup
    from tenants.db import db
    from tenants.scoping import SYSTEM, current_scope, set_scope

    shop_with_number(app)
    make_shop(app, "beta")
    with app.app_context():
        set_scope(db.session, SYSTEM)
        setup = call_setup.for_number(NUMBER)
        assert setup is not None
        assert current_scope(db.session()).shop_id == setup.shop_id
        if db.engine.dialect.name == "postgresql":
            settings = db.session.execute(
                text("SELECT current_setting('app.shop_id'), current_setting('app.staff')")
            ).one()
            assert tuple(settings) == (str(setup.shop_id), "off")
            # coverage versions are shop-owned: only this shop's are visible now
            from tenants.coverage.models import CoverageVersion

            shops_seen = set(db.session.scalars(select(CoverageVersion.shop_id)))
            assert shops_seen == {setup.shop_id}
        assert call_setup.for_number("+81399999999") is None
        db.session.rollback()


@pytest.mark.postgres  # SQLite keeps the plain statements: their count is PostgreSQL's
def test_a_call_costs_three_statements_on_postgresql_and_its_end_four(app: Flask) -> None:
    """The busiest requests of the service. An incoming call: scope, number lookup, index and
    record; a retried webhook also looks for the record it wrote the first time, a first webhook
    never does. Its end: scope, the call found through the index and locked, its queue's half
    hour counted (a short abandon: not offered, so the shop's day is untouched), the call
    updated."""
    from sqlalchemy import event

    from tenants.db import db

    shop_with_number(app)
    with app.app_context():
        target = db.engine
    client = app.test_client()
    incoming(app, client, sid="CA-warm")  # the process's copy of the shop's setup is made here
    sent: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            sent.append(statement)

    def statements(request: Callable[[], object]) -> list[str]:
        sent.clear()
        event.listen(target, "before_cursor_execute", count)
        try:
            request()
        finally:
            event.remove(target, "before_cursor_execute", count)
        return list(sent)

    first = statements(lambda: incoming(app, client, sid="CA-first"))
    retry = statements(lambda: incoming(app, client, sid="CA-first"))
    ended = {"CallSid": "CA-first", "CallStatus": "completed", "CallDuration": "3"}
    end = statements(lambda: post(app, client, "/carrier/twilio/status", ended))
    assert len(first) == 3, first
    assert len(retry) == 4, retry
    assert len(end) == 4, end
    assert the_call(app, "CA-first").outcome == "short_abandon"
