"""Campaign days announced by a shop's token: owners announce, members read, other shops get 404."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from scheduling.api import tokyo_today
from scheduling.models import Campaign
from scheduling.queues import SHARED_QUEUE
from tenants import services
from tenants.models import Shop, ShopRole
from tests.conftest import system
from tests.factories import PASSWORD, make_shop
from tests.tenants.test_api import bearer, token_for


def test_owner_announces_a_sale_day_and_the_queue_forecast_sees_it(
    app: Flask, client: FlaskClient
) -> None:
    alpha = make_shop(app, "alpha")
    token = token_for(app, alpha["email"], "alpha")
    day = (tokyo_today() + timedelta(days=10)).isoformat()
    created = client.post(
        "/api/v1/shop/campaigns",
        json={"day": day, "multiplier": 1.8, "note": "年末セール"},
        headers=bearer(token),
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["multiplier"] == 1.8
    listed = client.get("/api/v1/shop/campaigns", headers=bearer(token)).get_json()
    assert [c["day"] for c in listed] == [day]
    with system(app) as session:
        row = session.scalar(select(Campaign))
        assert row is not None
        assert (row.queue, str(row.shop_id)) == (SHARED_QUEUE, alpha["shop_id"])


def test_bad_days_and_multipliers_are_422(app: Flask, client: FlaskClient) -> None:
    alpha = make_shop(app, "alpha")
    token = token_for(app, alpha["email"], "alpha")
    for body in (
        {"day": "1999-01-01", "multiplier": 2},
        {"day": (tokyo_today() + timedelta(days=3)).isoformat(), "multiplier": 50},
        {"day": "not a day", "multiplier": 2},
        {"multiplier": 2},
    ):
        response = client.post("/api/v1/shop/campaigns", json=body, headers=bearer(token))
        assert response.status_code == 422, body
        assert response.content_type.startswith("application/problem+json")
    with system(app) as session:
        assert session.scalar(select(Campaign)) is None


def test_members_read_other_shops_never_see(app: Flask, client: FlaskClient) -> None:
    alpha = make_shop(app, "alpha")
    beta = make_shop(app, "beta")
    owner = token_for(app, alpha["email"], "alpha")
    day = (tokyo_today() + timedelta(days=5)).isoformat()
    campaign_id = client.post(
        "/api/v1/shop/campaigns", json={"day": day, "multiplier": 2}, headers=bearer(owner)
    ).get_json()["id"]
    with system(app) as session:
        member = services.create_user(
            email="member@alpha.example.jp", display_name="m", password=PASSWORD
        )
        services.add_member(session.get(Shop, uuid.UUID(alpha["shop_id"])), member, ShopRole.MEMBER)
    member_token = token_for(app, "member@alpha.example.jp", "alpha")
    assert len(client.get("/api/v1/shop/campaigns", headers=bearer(member_token)).get_json()) == 1
    refused = client.post(
        "/api/v1/shop/campaigns", json={"day": day, "multiplier": 2}, headers=bearer(member_token)
    )
    assert refused.status_code == 403
    other = token_for(app, beta["email"], "beta")
    assert client.get("/api/v1/shop/campaigns", headers=bearer(other)).get_json() == []
    gone = client.delete(f"/api/v1/shop/campaigns/{campaign_id}", headers=bearer(other))
    assert gone.status_code == 404
    assert (
        client.delete(f"/api/v1/shop/campaigns/{campaign_id}", headers=bearer(owner)).status_code
        == 204
    )
