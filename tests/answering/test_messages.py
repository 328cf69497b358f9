"""Filing after the call from the console: the form (required fields, clear errors, nothing
half-saved), urgency forced by the shop's escalation rules, the call record completed, the
operator back to ready, one filing per call, and nobody files another operator's call."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime

from flask import Flask

from answering.models import Delivery
from scheduling.models import OperatorState
from tenants.db import utcnow
from tests.answering.calls import (
    answered_call,
    file,
    messages_of,
    operator,
    the_call,
    two_shops,
)
from tests.answering.carrier import post
from tests.conftest import csrf_token, system


def test_the_card_of_the_call_just_finished_stays_with_its_form_until_filed(app: Flask) -> None:
    two_shops(app)
    operator_id, console = operator(app)
    answered_call(app, app.test_client())
    with system(app) as session:
        state = session.get(OperatorState, operator_id)
        assert state is not None
        assert state.state == "after_call_work"
    assert console.get("/console/now").get_json()["call"] == "CA1"
    page = console.get("/console").get_data(as_text=True)
    assert 'data-testid="file-message"' in page
    assert "お名前" in page
    assert "注文番号" in page
    assert "返品・交換" in page  # the shared taxonomy
    assert "ご注文・配送について</option>" in page  # the shop's own categories

    assert file(console).status_code == 302
    assert console.get("/console/now").get_json()["call"] is None
    with system(app) as session:
        state = session.get(OperatorState, operator_id)
        assert state is not None
        assert state.state == "ready"


def test_filing_stores_the_message_and_completes_the_call_record(app: Flask) -> None:
    two_shops(app)
    operator_id, console = operator(app)
    answered_call(app, app.test_client())
    file(
        console,
        category="order",
        field_order_number="A-1001",
        field_phone="０９０-１１１１-２２２２",
    )
    (message,) = messages_of(app, "alpha")
    assert message.disposition == "order_delivery"
    assert (message.category, message.category_label) == ("order", "ご注文・配送について")
    assert message.urgency == "normal"
    assert message.operator_id == operator_id
    assert {f["key"]: f["value"] for f in message.fields} == {
        "name": "山田 太郎",
        "order_number": "A-1001",
        "phone": "+819011112222",
    }
    call = the_call(app)
    assert call.disposition == "order_delivery"
    assert call.script_version == 1
    assert call.filed_at is not None
    assert call.ended_at is not None
    assert call.after_call_work_s == int((call.filed_at - call.ended_at).total_seconds())
    assert call.after_call_work_s >= 12
    assert messages_of(app, "beta") == []


def test_required_fields_and_bad_values_are_refused_in_japanese_and_nothing_is_saved(
    app: Flask,
) -> None:
    two_shops(app)
    _, console = operator(app)
    answered_call(app, app.test_client())
    refused = file(
        console,
        disposition="",
        field_name="",
        field_phone="12",
        callback="yes",
        callback_from="2026-01-02T10:00",
        callback_until="2026-01-02T09:00",
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "用件の種類を選んでください" in page
    assert "「お名前」を入力してください" in page
    assert "「連絡先」" in page
    assert "090-1234-5678" in page
    assert "折り返しの時間帯は開始より後に終わるようにしてください" in page
    assert "発送予定日を知りたい" in page  # what was typed is kept
    assert messages_of(app, "alpha") == []
    assert the_call(app).filed_at is None


def test_a_prank_needs_none_of_the_shops_fields_and_is_not_pushed(app: Flask) -> None:
    two_shops(app)
    _, console = operator(app)
    answered_call(app, app.test_client())
    assert file(console, disposition="prank_silent", field_name="", body="").status_code == 302
    (message,) = messages_of(app, "alpha")
    with system(app) as session:
        assert session.query(Delivery).count() == 0
    assert message.disposition == "prank_silent"


def test_escalation_words_and_categories_make_a_message_urgent(app: Flask) -> None:
    two_shops(app)
    _, console = operator(app)
    answered_call(app, app.test_client(), sid="CA1")
    file(console, "CA1", body="商品がﾊｿﾝしていた…いや、破損していました")
    answered_call(app, app.test_client(), sid="CA2", digit="2")
    file(console, "CA2", body="サイズ交換したい")
    answered_call(app, app.test_client(), sid="CA3")
    file(console, "CA3", body="在庫について")
    by_body = {m.body: m for m in messages_of(app, "alpha")}
    assert by_body["商品がﾊｿﾝしていた…いや、破損していました"].urgency == "urgent"
    assert (
        by_body["商品がﾊｿﾝしていた…いや、破損していました"].urgent_because == "キーワード「破損」"
    )
    assert by_body["サイズ交換したい"].urgency == "urgent"
    assert by_body["サイズ交換したい"].urgent_because == "カテゴリ「返品・交換について」"
    assert by_body["在庫について"].urgency == "normal"


def test_a_call_is_filed_once(app: Flask) -> None:
    two_shops(app)
    _, console = operator(app)
    answered_call(app, app.test_client())
    file(console)
    again = file(console, body="二回目")
    assert again.status_code == 302
    assert "この通話は記録済みです" in console.get("/console").get_data(as_text=True)
    (message,) = messages_of(app, "alpha")
    assert message.body == "発送予定日を知りたい"


def test_nobody_files_a_call_that_was_not_theirs(app: Flask) -> None:
    two_shops(app)
    _, first = operator(app, "first@answering.example.jp")
    answered_call(app, app.test_client())
    _, second = operator(app, "second@answering.example.jp")
    assert file(second, "CA1").status_code == 404
    assert file(second, "CA-unknown").status_code == 404
    assert messages_of(app, "alpha") == []
    assert file(first, "CA1").status_code == 302


def test_filing_during_the_call_counts_no_after_call_work(app: Flask) -> None:
    two_shops(app)
    _, console = operator(app)
    answered_call(app, app.test_client(), end=False)
    assert 'data-testid="file-message"' in console.get("/console").get_data(as_text=True)
    file(console)
    assert the_call(app).after_call_work_s == 0
    card = console.get("/console/card").get_data(as_text=True)
    assert 'data-filed="yes"' in card
    assert "この通話の伝言は記録済みです" in card
    assert 'data-testid="file-message"' not in card


def test_filing_during_the_call_still_leads_to_after_call_work_timed_from_the_call_end(
    app: Flask,
) -> None:
    """The call's end puts the operator in after-call work even when the message is filed
    already (a short wrap-up before the next caller); its time counts from the end, not the
    filing, and the console shows what is left of it."""
    two_shops(app)
    operator_id, console = operator(app)
    carrier = app.test_client()
    answered_call(app, carrier, end=False)
    file(console)
    with system(app) as session:
        state = session.get(OperatorState, operator_id)
        assert state is not None
        assert state.state == "on_call"  # filing does not end the call
    ended = utcnow().replace(microsecond=0) - timedelta(seconds=13)
    post(
        app,
        carrier,
        f"/carrier/twilio/leg?call=CA1&operator={operator_id}",
        {
            "CallSid": "LCA1",
            "CallStatus": "completed",
            "Timestamp": format_datetime(ended),
            "CallDuration": "57",
        },
    )
    with system(app) as session:
        state = session.get(OperatorState, operator_id)
        assert state is not None
        assert (state.state, state.since) == ("after_call_work", ended)
        assert state.after_call_until == ended + timedelta(seconds=30)
    now = console.get("/console/now").get_json()
    assert now["call"] is None  # filed: nothing left to file
    assert now["state_label"] == "後処理"
    assert 0 < now["after_call_left_s"] <= 17


def test_an_operator_who_chose_another_state_still_files_and_stays_there(app: Flask) -> None:
    two_shops(app)
    operator_id, console = operator(app)
    answered_call(app, app.test_client())
    token = csrf_token(console, "/console")
    console.post("/console/state", data={"state": "break", "reason": "rest", "csrf_token": token})
    assert 'data-testid="file-message"' in console.get("/console").get_data(as_text=True)
    assert file(console).status_code == 302
    with system(app) as session:
        state = session.get(OperatorState, operator_id)
        assert state is not None
        assert state.state == "break"


def test_the_card_shows_this_callers_earlier_messages_with_this_shop_only(app: Flask) -> None:
    two_shops(app)
    _, console = operator(app)
    answered_call(app, app.test_client(), sid="CA1")
    file(console, "CA1", body="先週の注文の件")
    answered_call(app, app.test_client(), sid="CA2", shop="beta")
    file(console, "CA2", body="ベータ店への伝言")
    answered_call(app, app.test_client(), sid="CA3", end=False)
    card = console.get("/console/card").get_data(as_text=True)
    assert "この発信者からこのショップへの過去の伝言" in card
    assert "先週の注文の件" in card
    assert "ベータ店への伝言" not in card
    assert "応対済み · 注文・配送" in card  # the earlier call, with what it was about
