"""Password reset by a signed link sent by e-mail (through a real SMTP server)."""

from __future__ import annotations

import re
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner

from tests.conftest import csrf_token, log_in
from tests.factories import PASSWORD, make_shop
from tests.smtp import SmtpStandIn

LINK = re.compile(r"http://localhost(/password/reset/\S+)")


def ask_for_reset(client: FlaskClient, email: str) -> None:
    token = csrf_token(client, "/password/forgot")
    response = client.post("/password/forgot", data={"email": email, "csrf_token": token})
    assert response.status_code == 302


def reset_link(smtp: SmtpStandIn) -> str:
    assert len(smtp.messages) == 1
    body = smtp.messages[0].get_content()
    found = LINK.search(body)
    assert found, body
    return found.group(1)


def test_reset_mail_in_japanese_and_new_password_works(
    app: Flask, client: FlaskClient, smtp: SmtpStandIn
) -> None:
    shop = make_shop(app, "alpha")
    ask_for_reset(client, shop["email"])
    message = smtp.messages[0]
    assert message["To"] == shop["email"]
    assert "パスワード再設定" in message["Subject"]
    link = reset_link(smtp)
    token = csrf_token(client, link)
    response = client.post(
        link,
        data={
            "password": "a-brand-new-secret",
            "confirm": "a-brand-new-secret",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert log_in(client, shop["email"], PASSWORD).status_code == 401
    assert log_in(client, shop["email"], "a-brand-new-secret").status_code == 302


def test_unknown_address_gets_the_same_answer_and_no_mail(
    client: FlaskClient, smtp: SmtpStandIn
) -> None:
    ask_for_reset(client, "nobody@example.jp")
    assert "リンクをお送りしました" in client.get("/login").get_data(as_text=True)
    assert smtp.messages == []


def test_link_works_once(app: Flask, client: FlaskClient, smtp: SmtpStandIn) -> None:
    shop = make_shop(app, "alpha")
    ask_for_reset(client, shop["email"])
    link = reset_link(smtp)
    data = {
        "password": "a-brand-new-secret",
        "confirm": "a-brand-new-secret",
        "csrf_token": csrf_token(client, link),
    }
    client.post(link, data=data)
    again = client.get(link)
    assert again.status_code == 410
    assert "すでに使用されています" in again.get_data(as_text=True)


def test_expired_link_is_refused(
    app: Flask, client: FlaskClient, smtp: SmtpStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = make_shop(app, "alpha")
    two_hours_ago = int(time.time()) - 7200
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: two_hours_ago)
    ask_for_reset(client, shop["email"])
    monkeypatch.undo()
    response = client.get(reset_link(smtp))
    assert response.status_code == 410
    assert "有効期限が切れています" in response.get_data(as_text=True)


def test_tampered_link_is_refused(app: Flask, client: FlaskClient, smtp: SmtpStandIn) -> None:
    shop = make_shop(app, "alpha")
    ask_for_reset(client, shop["email"])
    link = reset_link(smtp)
    assert client.get(link[:-3] + "abc").status_code == 410


def test_short_new_password_is_refused(app: Flask, client: FlaskClient, smtp: SmtpStandIn) -> None:
    shop = make_shop(app, "alpha")
    ask_for_reset(client, shop["email"])
    link = reset_link(smtp)
    response = client.post(
        link, data={"password": "short", "confirm": "short", "csrf_token": csrf_token(client, link)}
    )
    assert response.status_code == 400
    assert log_in(client, shop["email"], PASSWORD).status_code == 302


def test_reset_ends_sessions_logged_in_with_the_old_password(app: Flask, smtp: SmtpStandIn) -> None:
    shop = make_shop(app, "alpha")
    elsewhere = app.test_client()
    log_in(elsewhere, shop["email"], PASSWORD)
    assert elsewhere.get("/shops/alpha/").status_code == 200
    client = app.test_client()
    ask_for_reset(client, shop["email"])
    link = reset_link(smtp)
    client.post(
        link,
        data={
            "password": "a-brand-new-secret",
            "confirm": "a-brand-new-secret",
            "csrf_token": csrf_token(client, link),
        },
    )
    assert elsewhere.get("/shops/alpha/").status_code == 302
