"""Two-step login: enrol with a real TOTP code, log in with a code or a recovery code once."""

from __future__ import annotations

import re
import time

import pyotp
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token, log_in
from tests.factories import PASSWORD, make_shop

SECRET = re.compile(r'data-testid="totp-secret">([A-Z2-7]+)<')
CODES = re.compile(r'data-testid="recovery-codes">([^<]+)<')


def enrol(client: FlaskClient) -> tuple[str, list[str]]:
    page = client.get("/account/security").get_data(as_text=True)
    assert "data:image/svg+xml" in page
    secret = SECRET.search(page).group(1)
    wrong = client.post(
        "/account/security",
        data={
            "action": "enable",
            "code": "000000",
            "csrf_token": csrf_token(client, "/account/security"),
        },
    )
    assert wrong.status_code == 400
    done = client.post(
        "/account/security",
        data={
            "action": "enable",
            "code": pyotp.TOTP(secret).now(),
            "csrf_token": csrf_token(client, "/account/security"),
        },
    )
    assert done.status_code == 200
    codes = CODES.search(done.get_data(as_text=True)).group(1).split()
    return secret, codes


def logout(client: FlaskClient) -> None:
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/security")})


def second_step(client: FlaskClient, code: str) -> object:
    return client.post(
        "/login/code", data={"code": code, "csrf_token": csrf_token(client, "/login/code")}
    )


def test_enrol_then_log_in_with_a_code(app: Flask) -> None:
    alpha = make_shop(app, "alpha")
    client = app.test_client()
    log_in(client, alpha["email"], PASSWORD)
    secret, codes = enrol(client)
    assert len(codes) == 10
    logout(client)
    first = log_in(client, alpha["email"], PASSWORD)
    assert first.headers["Location"] == "/login/code"
    assert client.get("/shops/alpha/").status_code == 302  # not logged in yet
    assert second_step(client, "123456").status_code == 401
    # The current step's code may have been used for enrolment; the next one is fresh.
    totp = pyotp.TOTP(secret)

    accepted = second_step(client, totp.at(int(time.time()) + 30))
    assert accepted.status_code == 302
    assert client.get("/shops/alpha/").status_code == 200


def test_recovery_code_works_once(app: Flask) -> None:
    alpha = make_shop(app, "alpha")
    client = app.test_client()
    log_in(client, alpha["email"], PASSWORD)
    _, codes = enrol(client)
    logout(client)
    log_in(client, alpha["email"], PASSWORD)
    assert second_step(client, codes[0]).status_code == 302
    logout(client)
    log_in(client, alpha["email"], PASSWORD)
    assert second_step(client, codes[0]).status_code == 401
    assert second_step(client, codes[1]).status_code == 302


def test_turning_it_off_needs_the_password(app: Flask) -> None:
    alpha = make_shop(app, "alpha")
    client = app.test_client()
    log_in(client, alpha["email"], PASSWORD)
    enrol(client)
    refused = client.post(
        "/account/security",
        data={
            "action": "disable",
            "password": "wrong-password-x",
            "csrf_token": csrf_token(client, "/account/security"),
        },
    )
    assert refused.status_code == 400
    client.post(
        "/account/security",
        data={
            "action": "disable",
            "password": PASSWORD,
            "csrf_token": csrf_token(client, "/account/security"),
        },
    )
    logout(client)
    assert log_in(client, alpha["email"], PASSWORD).headers["Location"] == "/shops/alpha/"


def test_second_step_without_a_password_first_goes_back_to_login(client: FlaskClient) -> None:
    response = client.get("/login/code")
    assert response.headers["Location"] == "/login"
