"""`/api/v1/shop/messages`: a shop's token reads its own messages and filters them; another shop's
message is 404; a bad filter is a problem+json 422."""

from __future__ import annotations

from flask import Flask

from tests.answering.calls import answered_call, file, messages_of, operator, two_shops
from tests.tenants.test_api import bearer, token_for


def test_a_shop_token_reads_its_messages_and_no_other_shops(app: Flask) -> None:
    shops = two_shops(app)
    _, console = operator(app)
    answered_call(app, app.test_client(), sid="CA1")
    file(console, "CA1", body="配送日の確認", field_order_number="HZ-1001")
    answered_call(app, app.test_client(), sid="CA2", digit="2")
    file(console, "CA2", disposition="return_exchange", body="交換希望")
    answered_call(app, app.test_client(), sid="CA3", shop="beta")
    file(console, "CA3", body="ベータ店の伝言")
    client = app.test_client()
    alpha = bearer(token_for(app, shops.alpha["email"], "alpha"))

    listed = client.get("/api/v1/shop/messages", headers=alpha).get_json()
    assert sorted(m["body"] for m in listed) == ["交換希望", "配送日の確認"]
    urgent = client.get("/api/v1/shop/messages?urgency=urgent", headers=alpha).get_json()
    assert [m["body"] for m in urgent] == ["交換希望"]
    found = client.get("/api/v1/shop/messages?q=hz-1001", headers=alpha).get_json()
    assert [m["body"] for m in found] == ["配送日の確認"]
    assert found[0]["fields"][1] == {"key": "order_number", "label": "注文番号", "value": "HZ-1001"}
    assert found[0]["read"] is False

    beta_message = messages_of(app, "beta")[0]
    assert client.get(f"/api/v1/shop/messages/{beta_message.id}", headers=alpha).status_code == 404
    one = client.get(f"/api/v1/shop/messages/{listed[0]['id']}", headers=alpha)
    assert one.status_code == 200
    assert one.get_json()["caller"] == "+819012345678"

    bad = client.get("/api/v1/shop/messages?urgency=soon&from=yesterday", headers=alpha)
    assert bad.status_code == 422
    assert bad.mimetype == "application/problem+json"
    assert client.get("/api/v1/shop/messages").status_code == 401
