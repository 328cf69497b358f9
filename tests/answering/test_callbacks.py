"""The operators' callback list: tasks whose window is open now, of shops in coverage now, closed
with an outcome that the shop sees on the message."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tenants.coverage import services as coverage
from tenants.coverage.services import TOKYO
from tenants.db import utcnow
from tenants.models import Shop
from tests.answering.calls import answered_call, file, messages_of, operator, two_shops
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD


def window(start_min: int, end_min: int) -> dict[str, str]:
    now = utcnow().astimezone(TOKYO)
    return {
        "callback": "yes",
        "callback_from": (now + timedelta(minutes=start_min)).strftime("%Y-%m-%dT%H:%M"),
        "callback_until": (now + timedelta(minutes=end_min)).strftime("%Y-%m-%dT%H:%M"),
    }


def callbacks_page(client: FlaskClient) -> str:
    return client.get("/console/callbacks").get_data(as_text=True)


def test_due_callbacks_are_listed_and_closed_with_their_outcome(app: Flask) -> None:
    shops = two_shops(app)
    _, console = operator(app)
    answered_call(app, app.test_client(), sid="CA1")
    file(console, "CA1", body="今すぐ折り返し希望", **window(-5, 60))
    answered_call(app, app.test_client(), sid="CA2")
    file(console, "CA2", body="夜に折り返し希望", **window(240, 300))
    answered_call(app, app.test_client(), sid="CA3", shop="beta")
    file(console, "CA3", body="ベータ店の折り返し", **window(-5, 60))
    with system(app) as session:  # beta is closed now: its callers are not called back
        beta = session.scalars(select(Shop).where(Shop.slug == "beta")).one()
        coverage.save_version(beta, None, coverage.WeekInput({}, "closed", "", None))

    page = callbacks_page(console)
    assert "今すぐ折り返し希望" in page
    assert "090-1234-5678" in page
    assert "夜に折り返し希望" not in page
    assert "ベータ店の折り返し" not in page

    due = next(m for m in messages_of(app, "alpha") if m.body == "今すぐ折り返し希望")
    url = f"/console/callbacks/{due.shop_id}/{due.id}"
    token = csrf_token(console, "/console/callbacks")
    console.post(f"{url}/take", data={"csrf_token": token})
    assert "あなたが折り返し中" in callbacks_page(console)
    console.post(url, data={"outcome": "maybe", "csrf_token": token})
    assert "折り返しの結果を選んでください" in callbacks_page(console)
    console.post(url, data={"outcome": "reached", "csrf_token": token})
    assert "今すぐ折り返し希望" not in callbacks_page(console)
    console.post(url, data={"outcome": "no_answer", "csrf_token": token})
    assert "この折り返しは記録済みです" in callbacks_page(console)
    (closed,) = [m for m in messages_of(app, "alpha") if m.id == due.id]
    assert closed.callback_outcome == "reached"

    owner = app.test_client()
    log_in(owner, shops.alpha["email"], PASSWORD)
    shown = owner.get(f"/shops/alpha/messages/{due.id}").get_data(as_text=True)
    assert "折り返し希望" in shown
    assert "つながった" in shown


def test_the_callback_list_is_for_staff_and_a_wrong_shop_is_404(app: Flask) -> None:
    shops = two_shops(app)
    _, console = operator(app)
    answered_call(app, app.test_client())
    file(console, **window(-5, 60))
    (message,) = messages_of(app, "alpha")
    owner = app.test_client()
    log_in(owner, shops.alpha["email"], PASSWORD)
    assert owner.get("/console/callbacks").status_code == 404
    token = csrf_token(console, "/console/callbacks")
    wrong = f"/console/callbacks/{shops.beta['shop_id']}/{message.id}"
    assert console.post(wrong, data={"outcome": "reached", "csrf_token": token}).status_code == 404


def test_a_callback_taken_by_one_operator_leaves_the_others_list(app: Flask) -> None:
    two_shops(app)
    _, first = operator(app, "first@answering.example.jp")
    answered_call(app, app.test_client())
    file(first, body="折り返しお願いします", **window(-5, 60))
    (message,) = messages_of(app, "alpha")
    _, second = operator(app, "second@answering.example.jp")
    url = f"/console/callbacks/{message.shop_id}/{message.id}"
    assert "折り返しお願いします" in callbacks_page(second)
    first.post(f"{url}/take", data={"csrf_token": csrf_token(first, "/console/callbacks")})
    assert "折り返しお願いします" not in callbacks_page(second)
    token = csrf_token(second, "/console/callbacks")
    second.post(f"{url}/take", data={"csrf_token": token})
    assert "別のオペレーターがこのお客様に折り返し中です" in callbacks_page(second)
    second.post(url, data={"outcome": "wrong_number", "csrf_token": token})
    assert messages_of(app, "alpha")[0].callback_outcome is None
    first.post(
        url, data={"outcome": "reached", "csrf_token": csrf_token(first, "/console/callbacks")}
    )
    assert messages_of(app, "alpha")[0].callback_outcome == "reached"


def test_the_shop_sees_our_callbacks_as_ours_and_counts_only_calls_it_received(
    app: Flask,
) -> None:
    from answering.models import Call
    from tests.answering.call_records import add_call

    two_shops(app)
    now = utcnow() - timedelta(minutes=5)
    with system(app) as session:
        alpha = session.scalars(select(Shop).where(Shop.slug == "alpha")).one()
        add_call(session, alpha.id, now, "answered", wait=5, talk=60)
        add_call(session, alpha.id, now, "answered", talk=30, direction="outbound")
        session.flush()
        placed = session.scalars(select(Call).where(Call.direction == "outbound")).one()
        placed.from_number, placed.to_number = "+81345000001", "+818011112222"
    owner = app.test_client()
    log_in(owner, "owner@alpha.example.jp", PASSWORD)
    calls = owner.get("/shops/alpha/calls/").get_data(as_text=True)
    assert "080-1111-2222 <span" in calls  # the customer we rang, not the shop's own number
    assert "（こちらから折り返し）" in calls
    card = owner.get("/shops/alpha/").get_data(as_text=True).split('data-testid="calls-card"')[1]
    assert "<strong>1</strong>" in card  # one call received today; our callback is not one
