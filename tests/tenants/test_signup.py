"""Sign-up: a new shop and owner, bad input explained next to the field, e-mail verification."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tenants.models import Shop
from tenants.signup.models import ShopProfile
from tests.conftest import csrf_token, system
from tests.factories import make_shop
from tests.smtp import SmtpStandIn

LINK = re.compile(r"http://localhost(/signup/verify/\S+)")


def signup_data(client: FlaskClient, **changes: str) -> dict[str, Any]:
    data = {
        "shop_name": "さくら雑貨",
        "shop_kana": "サクラザッカ",
        "slug": "sakura-zakka",
        "owner_name": "桜井 さくら",
        "email": "sakura@example.jp",
        "password": "a-long-password",
        "contact_phone": "090-1234-5678",
        "legal_name": "株式会社さくら",
        "postal_code": "１５０-０００１",
        "address": "東京都渋谷区神宮前1-1-1",
        "registration_number": "Ｔ１２３４５６７８９０１２３",
        "csrf_token": csrf_token(client, "/signup"),
    }
    data.update(changes)
    return data


def shop_count(app: Flask) -> int:
    with system(app) as session:
        return int(session.scalar(select(func.count()).select_from(Shop)) or 0)


def test_signup_page_is_japanese(client: FlaskClient) -> None:
    page = client.get("/signup").get_data(as_text=True)
    assert "ショップ名" in page
    assert "適格請求書発行事業者の登録番号" in page


def test_sign_up_verify_and_go_live(app: Flask, client: FlaskClient, smtp: SmtpStandIn) -> None:
    response = client.post("/signup", data=signup_data(client))
    assert response.status_code == 302
    assert response.headers["Location"] == "/shops/sakura-zakka/"
    page = client.get("/shops/sakura-zakka/").get_data(as_text=True)
    assert "メールアドレスの確認" in page
    with system(app) as session:
        shop = session.scalars(select(Shop)).one()
        assert shop.status == "pending"
        profile = session.scalars(select(ShopProfile)).one()
        assert profile.registration_number == "T1234567890123"
        assert profile.contact_phone == "+819012345678"
        assert profile.postal_code == "150-0001"
    [mail] = smtp.messages
    assert mail["To"] == "sakura@example.jp"
    link = LINK.search(mail.get_content())
    assert link
    verified = client.get(link.group(1))
    assert verified.status_code == 302
    with system(app) as session:
        assert session.scalars(select(Shop.status)).one() == "active"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("registration_number", "T12345", "T に続く13桁"),
        ("registration_number", "123456789012345", "T に続く13桁"),
        ("shop_kana", "sakura", "ひらがなかカタカナ"),
        ("postal_code", "1500", "150-0001"),
        ("contact_phone", "12345", "090-1234-5678"),
        ("slug", "Sakura Zakka", "半角英小文字"),
        ("password", "short", "10文字以上"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_stored(
    app: Flask, client: FlaskClient, field: str, value: str, message: str
) -> None:
    response = client.post("/signup", data=signup_data(client, **{field: value}))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert shop_count(app) == 0


def test_duplicate_email_is_refused(app: Flask, client: FlaskClient) -> None:
    make_shop(app, "alpha", owner_email="sakura@example.jp")
    response = client.post("/signup", data=signup_data(client))
    assert response.status_code == 400
    assert "このメールアドレスのアカウントはすでに存在します" in response.get_data(as_text=True)
    assert shop_count(app) == 1


def test_duplicate_shop_id_is_refused(app: Flask, client: FlaskClient) -> None:
    make_shop(app, "sakura-zakka")
    response = client.post("/signup", data=signup_data(client))
    assert "このショップIDはすでに使われています" in response.get_data(as_text=True)
    assert shop_count(app) == 1


def test_pending_shop_cannot_rent_a_number(app: Flask, client: FlaskClient) -> None:
    from tenants.numbers import services as numbers

    with system(app):
        number_id = str(numbers.add_to_pool("03-4500-0001", kind="phone").id)
    client.post("/signup", data=signup_data(client))
    token = csrf_token(client, "/shops/sakura-zakka/numbers/")
    response = client.post(
        "/shops/sakura-zakka/numbers/rent", data={"number_id": number_id, "csrf_token": token}
    )
    assert response.status_code == 400
    assert "メールアドレスの確認" in response.get_data(as_text=True)


def test_bad_verification_link_is_refused(client: FlaskClient) -> None:
    response = client.get("/signup/verify/not-a-token")
    assert response.status_code == 410
