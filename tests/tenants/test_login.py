"""Logging in and out: the pages, the errors a person sees, lock-out, CSRF, hashing."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tenants.models import AuditEvent, StaffRole, User
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_shop, make_staff


def test_login_page_is_japanese_by_default(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="ja">' in html
    assert "ログイン" in html
    assert "メールアドレス" in html


def test_login_page_in_english_after_switching(client: FlaskClient) -> None:
    token = csrf_token(client, "/login")
    client.post("/locale", data={"locale": "en", "next": "/login", "csrf_token": token})
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "E-mail address" in html


def test_owner_logs_in_to_their_shop_dashboard(app: Flask, client: FlaskClient) -> None:
    shop = make_shop(app, "alpha")
    response = log_in(client, shop["email"], PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/shops/alpha/"
    page = client.get("/shops/alpha/").get_data(as_text=True)
    assert "alpha shop" in page
    assert "オーナー" in page


def test_staff_user_lands_on_staff_home(app: Flask, client: FlaskClient) -> None:
    staff = make_staff(app, StaffRole.SUPERVISOR)
    response = log_in(client, staff["email"], PASSWORD)
    assert response.headers["Location"] == "/staff/"
    assert "スタッフホーム" in client.get("/staff/").get_data(as_text=True)


def test_wrong_password_is_refused_with_a_clear_message(app: Flask, client: FlaskClient) -> None:
    shop = make_shop(app, "alpha")
    response = log_in(client, shop["email"], "not-the-password")
    assert response.status_code == 401
    assert "メールアドレスまたはパスワードが正しくありません。" in response.get_data(as_text=True)
    assert client.get("/shops/alpha/").status_code == 302  # still logged out


def test_unknown_address_gets_the_same_message(client: FlaskClient) -> None:
    response = log_in(client, "nobody@example.jp", "whatever-password")
    assert response.status_code == 401
    assert "メールアドレスまたはパスワードが正しくありません。" in response.get_data(as_text=True)


def test_five_failures_lock_the_account_even_for_the_right_password(
    app: Flask, client: FlaskClient
) -> None:
    shop = make_shop(app, "alpha")
    for _ in range(4):
        assert log_in(client, shop["email"], "wrong-password-x").status_code == 401
    locked = log_in(client, shop["email"], "wrong-password-x")
    assert locked.status_code == 423
    assert "ロックされています" in locked.get_data(as_text=True)
    again = log_in(client, shop["email"], PASSWORD)
    assert again.status_code == 423
    with system(app) as session:
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.at)).all()
    assert actions.count("login.failed") == 4
    assert "login.locked" in actions
    assert "login.refused_locked" in actions


def test_post_without_csrf_token_is_refused(app: Flask, client: FlaskClient) -> None:
    shop = make_shop(app, "alpha")
    response = client.post("/login", data={"email": shop["email"], "password": PASSWORD})
    assert response.status_code == 400
    assert "フォームの有効期限が切れたか" in response.get_data(as_text=True)
    assert client.get("/shops/alpha/").status_code == 302


def test_password_is_stored_as_argon2id(app: Flask) -> None:
    shop = make_shop(app, "alpha")
    with system(app) as session:
        stored = session.scalar(select(User.password_hash).where(User.email == shop["email"]))
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_logout_ends_the_session(app: Flask, client: FlaskClient) -> None:
    shop = make_shop(app, "alpha")
    log_in(client, shop["email"], PASSWORD)
    token = csrf_token(client, "/shops/alpha/")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.headers["Location"] == "/login"
    assert client.get("/shops/alpha/").status_code == 302


def test_logout_needs_the_csrf_token(app: Flask, client: FlaskClient) -> None:
    shop = make_shop(app, "alpha")
    log_in(client, shop["email"], PASSWORD)
    assert client.post("/logout").status_code == 400
    assert client.get("/shops/alpha/").status_code == 200


@pytest.mark.parametrize("target", ["//evil.example/", "/\t/evil.example", "https://evil.example/"])
def test_next_parameter_cannot_leave_the_site(app: Flask, client: FlaskClient, target: str) -> None:
    shop = make_shop(app, "alpha")
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={"email": shop["email"], "password": PASSWORD, "next": target, "csrf_token": token},
    )
    assert response.headers["Location"] == "/shops/alpha/"


def test_login_attempts_are_rate_limited_per_address(client: FlaskClient) -> None:
    responses = [log_in(client, "nobody@example.jp", "wrong-password-x") for _ in range(11)]
    assert [r.status_code for r in responses] == [401] * 10 + [429]
    assert "試行回数が多すぎます" in responses[10].get_data(as_text=True)


def test_session_cookie_is_http_only_and_same_site(client: FlaskClient) -> None:
    response = client.get("/login")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
