"""The API tokens page: create (shown once), list, revoke."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token, log_in
from tests.factories import PASSWORD, make_shop

NEW_TOKEN = re.compile(r'data-testid="new-token">(ans_[^<]+)<')


def test_create_use_and_revoke_a_token(app: Flask, client: FlaskClient) -> None:
    alpha = make_shop(app, "alpha")
    log_in(client, alpha["email"], PASSWORD)
    token = csrf_token(client, "/account/tokens")
    page = client.post(
        "/account/tokens", data={"name": "受注システム", "shop": "alpha", "csrf_token": token}
    ).get_data(as_text=True)
    found = NEW_TOKEN.search(page)
    assert found
    plaintext = found.group(1)
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert client.get("/api/v1/shops/alpha", headers=headers).status_code == 200
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "受注システム" in listing
    assert plaintext not in listing  # shown once only
    token_id = client.get("/api/v1/tokens", headers=headers).get_json()[0]["id"]
    revoke = client.post(
        f"/account/tokens/{token_id}/revoke",
        data={"csrf_token": csrf_token(client, "/account/tokens")},
    )
    assert revoke.status_code == 302
    assert client.get("/api/v1/shops/alpha", headers=headers).status_code == 401


def test_cannot_make_a_token_for_another_shop(app: Flask, client: FlaskClient) -> None:
    alpha = make_shop(app, "alpha")
    make_shop(app, "beta")
    log_in(client, alpha["email"], PASSWORD)
    token = csrf_token(client, "/account/tokens")
    response = client.post(
        "/account/tokens", data={"name": "x", "shop": "beta", "csrf_token": token}
    )
    assert response.status_code == 400
    assert "ans_" not in response.get_data(as_text=True)
