"""Input from outside that once reached a 500, a redirect off-site or a member's write."""

from __future__ import annotations

import unicodedata

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tenants import services
from tenants.models import Shop, ShopRole
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_shop
from tests.tenants.scripts.test_scripts import upload
from tests.tenants.test_api import bearer, token_for


def member_token(app: Flask) -> dict[str, str]:
    make_shop(app, "alpha")
    with system(app) as session:
        member = services.create_user(
            email="m@alpha.example.jp", display_name="m", password=PASSWORD
        )
        services.add_member(session.scalars(select(Shop)).one(), member, ShopRole.MEMBER)
    return bearer(token_for(app, "m@alpha.example.jp", "alpha"))


def test_members_tokens_read_but_never_change(app: Flask, client: FlaskClient) -> None:
    headers = member_token(app)
    assert client.get("/api/v1/shop/coverage", headers=headers).status_code == 200
    writes = [
        client.post(
            "/api/v1/shop/coverage", headers=headers, json={"week": {"mon": ["09:00-18:00"]}}
        ),
        client.put("/api/v1/shop/emergency-closure", headers=headers, json={"message": "x"}),
        client.put("/api/v1/shop/script", headers=headers, json={"greeting": "x"}),
        client.post("/api/v1/shop/script/publish", headers=headers),
        client.get("/api/v1/shop/notifications", headers=headers),
        client.put("/api/v1/shop/notifications", headers=headers, json={"emails": []}),
        client.post(
            "/api/v1/shop/numbers",
            headers=headers,
            json={"number_id": "01a20bfd-0000-7000-8000-000000000000"},
        ),
        client.post("/api/v1/shop/invitations", headers=headers, json={"email": "x@example.jp"}),
    ]
    assert [r.status_code for r in writes] == [403] * len(writes)
    assert writes[0].mimetype == "application/problem+json"


def test_long_addresses_and_nul_bytes_get_answers_not_errors(client: FlaskClient) -> None:
    token = csrf_token(client, "/login")
    long_address = "a" * 240 + "@example.jp"
    assert client.post(
        "/login", data={"email": long_address, "password": "x" * 12, "csrf_token": token}
    ).status_code in (400, 401)
    nul = client.post(
        "/login", data={"email": "a\x00@example.jp", "password": "x", "csrf_token": token}
    )
    assert nul.status_code == 400


def test_full_width_authenticator_codes_work(app: Flask) -> None:
    alpha = make_shop(app, "alpha")
    client = app.test_client()
    log_in(client, alpha["email"], PASSWORD)
    page = client.get("/account/security").get_data(as_text=True)
    secret = page.split('data-testid="totp-secret">')[1].split("<")[0]
    full_width = unicodedata.normalize("NFKC", pyotp.TOTP(secret).now()).translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    response = client.post(
        "/account/security",
        data={
            "action": "enable",
            "code": full_width,
            "csrf_token": csrf_token(client, "/account/security"),
        },
    )
    assert response.status_code == 200
    assert "recovery-codes" in response.get_data(as_text=True)


def test_odd_script_parameters_and_csv_rows(app: Flask) -> None:
    alpha = make_shop(app, "alpha")
    client = app.test_client()
    log_in(client, alpha["email"], PASSWORD)
    assert client.get("/shops/alpha/script/?edit=greeting:x").status_code == 200
    assert client.get("/shops/alpha/script/?edit=escalation:x").status_code == 200
    for content in (
        "name,sku\nマグ,M1,extra,cells\n".encode(),
        b'name\n"' + b"x" * 200_000 + b'"\n',
    ):
        assert upload(client, content).status_code in (200, 400)


def test_dates_at_the_ends_of_the_calendar(app: Flask, client: FlaskClient) -> None:
    alpha = make_shop(app, "alpha")
    owner = app.test_client()
    log_in(owner, alpha["email"], PASSWORD)
    assert owner.get("/shops/alpha/coverage/?check_date=0001-01-01").status_code == 200
    headers = bearer(token_for(app, alpha["email"], "alpha"))
    far = client.get("/api/v1/shop/coverage/check?at=0001-01-01T00:00:00%2B09:00", headers=headers)
    assert far.status_code == 422


def test_an_overlong_invitation_address_is_refused(app: Flask) -> None:
    alpha = make_shop(app, "alpha")
    owner = app.test_client()
    log_in(owner, alpha["email"], PASSWORD)
    response = owner.post(
        "/shops/alpha/members/invite",
        data={
            "email": "a" * 300 + "@example.jp",
            "role": "member",
            "csrf_token": csrf_token(owner, "/shops/alpha/members/"),
        },
    )
    assert response.status_code == 400
