"""Every `/api/v1` operation checks the bearer token before it reads its query or body: without a
token, or with an unknown one, the answer is 401 problem+json whatever the parameters; only a
request with a good token hears that its parameters are wrong (422)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tenants.models import StaffRole
from tests.factories import make_shop, make_staff
from tests.tenants.test_api import bearer, token_for

# Wrong for every operation that reads them: a malformed day, an unknown grouping, a time without
# offset, an empty search, a kind of number we do not rent, and a body that is not an object.
BAD_QUERY = "?from=2026-13-01&to=x&group_by=nonsense&at=noon&q=&kind=mobile&misspelt=1"
BAD_BODY = "not an object"


def operations(client: FlaskClient) -> list[tuple[str, str]]:
    """(method, path) of every API operation, with path parameters filled in."""
    spec = client.get("/api/openapi.json").get_json()
    found = []
    for path, item in spec["paths"].items():
        filled = re.sub(r"\{[^}]*(?:number)\}", "1", path)
        filled = re.sub(r"\{slug\}", "alpha", filled)
        filled = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), filled)
        found += [(method.upper(), filled) for method in item if method != "parameters"]
    return found


def call(client: FlaskClient, method: str, path: str, **headers: str) -> Any:
    return client.open(path + BAD_QUERY, method=method, json=BAD_BODY, headers=headers)


def test_every_operation_without_a_good_token_is_401_whatever_the_parameters(
    client: FlaskClient,
) -> None:
    found = operations(client)
    assert ("GET", "/api/v1/reports/answer-rate") in found
    assert len(found) > 30
    for method, path in found:
        for headers in ({}, bearer("no-such-token")):
            response = call(client, method, path, **headers)
            assert response.status_code == 401, (method, path, headers, response.get_json())
            assert response.mimetype == "application/problem+json"
            assert response.get_json()["status"] == 401
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_answer_rate_report_without_a_token_is_401_not_422(client: FlaskClient) -> None:
    response = client.get("/api/v1/reports/answer-rate?from=bad")
    assert response.status_code == 401
    assert "Bearer" in response.get_json()["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/shop/messages"),
        ("PUT", "/api/v1/shop/script"),
        ("GET", "/api/v1/shop/script/search"),
        ("PUT", "/api/v1/shop/notifications"),
        ("POST", "/api/v1/shop/coverage"),
        ("GET", "/api/v1/shop/coverage/check"),
        ("POST", "/api/v1/shop/closures"),
        ("PUT", "/api/v1/shop/emergency-closure"),
        ("POST", "/api/v1/shop/invitations"),
        ("GET", "/api/v1/shop/numbers/available"),
        ("POST", "/api/v1/shop/numbers"),
        ("POST", "/api/v1/shop/campaigns"),
    ],
)
def test_a_shop_owners_token_with_bad_parameters_is_422(
    app: Flask, client: FlaskClient, method: str, path: str
) -> None:
    owner = make_shop(app, "alpha")
    response = call(client, method, path, **bearer(token_for(app, owner["email"], "alpha")))
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"


def test_a_shop_members_token_on_a_change_is_403_whatever_the_parameters(
    app: Flask, client: FlaskClient
) -> None:
    """Members read, owners change: a member's token hears it may not change the shop before it
    hears anything about its parameters."""
    from tenants import services
    from tenants.models import Shop, ShopRole
    from tests.conftest import system

    make_shop(app, "alpha")
    with system(app) as session:
        member = services.create_user(
            email="member@alpha.example.jp", display_name="m", password="a long passphrase 42"
        )
        services.add_member(
            session.query(Shop).filter_by(slug="alpha").one(), member, ShopRole.MEMBER
        )
    headers = bearer(token_for(app, "member@alpha.example.jp", "alpha"))
    changes = [
        (method, path)
        for method, path in operations(client)
        if path.startswith("/api/v1/shop/") and method not in ("GET", "HEAD")
    ]
    assert ("POST", "/api/v1/shop/campaigns") in changes
    assert len(changes) >= 10
    for method, path in changes:
        response = call(client, method, path, **headers)
        assert response.status_code == 403, (method, path, response.get_json())
        assert response.mimetype == "application/problem+json"
    assert call(client, "GET", "/api/v1/shop/numbers/available", **headers).status_code == 422


def test_staff_tokens_with_bad_parameters_are_422_where_they_may_ask(
    app: Flask, client: FlaskClient
) -> None:
    supervisor = make_staff(app, StaffRole.SUPERVISOR, "sv@answering.example.jp")
    admin = make_staff(app, StaffRole.ADMIN, "admin@answering.example.jp")
    report = call(
        client, "GET", "/api/v1/reports/answer-rate", **bearer(token_for(app, supervisor["email"]))
    )
    assert report.status_code == 422
    assert "group_by" in report.get_json()["errors"]["query"]
    card = call(client, "POST", "/api/v1/rate-cards", **bearer(token_for(app, admin["email"])))
    assert card.status_code == 422


def test_tokens_that_may_not_ask_are_refused_before_the_parameters(
    app: Flask, client: FlaskClient
) -> None:
    """An operator's token has no reports and a staff token has no `/shop`: 404 either way."""
    operator = make_staff(app, StaffRole.OPERATOR, "op@answering.example.jp")
    headers = bearer(token_for(app, operator["email"]))
    assert call(client, "GET", "/api/v1/reports/answer-rate", **headers).status_code == 404
    assert call(client, "POST", "/api/v1/shop/campaigns", **headers).status_code == 404
