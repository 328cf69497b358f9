"""The security battery's checks that no other test makes: a new session at login (the cookie the
browser had before stays anonymous), shop-written text inert on the operator's card and the staff
pages, oversized bodies refused with 413, and API writes that cannot set fields they do not own."""

from __future__ import annotations

import json
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from tenants.coverage.models import CoverageClosure
from tenants.coverage.services import today_in_tokyo
from tenants.models import Shop, StaffRole
from tenants.notifications import services as notifications
from tenants.scripts import services as scripts
from tests.answering.test_carrier import incoming, shop_with_number
from tests.answering.test_routing import hold, ready_operators
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_shop, make_staff
from tests.tenants.test_api import bearer, token_for

SCRIPT = '<script>alert("x")</script>'
IMG = "<img src=x onerror=alert(1)>"
SOON = (today_in_tokyo() + timedelta(days=30)).isoformat()


def session_cookie(client: object) -> str | None:
    cookie = client.get_cookie("session")  # type: ignore[attr-defined]
    return cookie.value if cookie is not None else None


def test_login_starts_a_new_session_and_the_earlier_cookie_stays_anonymous(app: Flask) -> None:
    shop = make_shop(app, "alpha")
    browser = app.test_client()
    token = csrf_token(browser, "/login")
    before = session_cookie(browser)
    assert before is not None
    # Someone who planted or copied the cookie the browser had before logging in…
    planted = app.test_client()
    planted.set_cookie("session", before)
    response = browser.post(
        "/login", data={"email": shop["email"], "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    after = session_cookie(browser)
    assert after is not None
    assert after != before
    assert browser.get("/shops/alpha/").status_code == 200
    # …is still nobody, and the form token changed with the session.
    assert planted.get("/shops/alpha/").status_code == 302
    assert "/login" in planted.get("/shops/alpha/").headers["Location"]
    assert csrf_token(browser, "/account/security") != token


def test_shop_written_markup_is_inert_on_the_operators_card_and_staff_pages(app: Flask) -> None:
    shop_with_number(app)
    with system(app) as session:
        shop = session.scalars(select(Shop).where(Shop.slug == "alpha")).one()
        shop.name = f"アルファ{SCRIPT}"
        scripts.replace_draft(
            shop,
            {
                "greeting": f"お電話ありがとうございます{SCRIPT}",
                "products": [{"name": f"帆布トート{IMG}", "sku": "T-1"}],
                "faqs": [{"question": f"送料は{SCRIPT}", "answer": IMG}],
                "notices": [{"title": SCRIPT, "body": IMG}],
            },
        )
        scripts.publish(shop, None)
    ready_operators(app, 1)
    console = app.test_client()
    log_in(console, "op0@answering.example.jp", PASSWORD)
    carrier = app.test_client()
    incoming(app, carrier)
    hold(app, carrier)
    pages = {"card": console.get("/console/card").get_data(as_text=True)}
    staff = make_staff(app, StaffRole.ADMIN)
    admin = app.test_client()
    log_in(admin, staff["email"], PASSWORD)
    pages["staff"] = admin.get("/staff/").get_data(as_text=True)
    for name, html in pages.items():
        assert "アルファ" in html, name
        assert "<script>alert" not in html, name
        assert "<img src=x onerror" not in html, name
        assert "&lt;script&gt;alert" in html, name
    assert "お電話ありがとうございます&lt;script&gt;" in pages["card"]


def test_oversized_bodies_are_refused_with_413(app: Flask) -> None:
    shop = make_shop(app, "alpha")
    token = token_for(app, shop["email"], "alpha")
    huge = "x" * (5 * 1024 * 1024)
    page = app.test_client().post("/login", data={"email": huge, "password": "x"})
    assert page.status_code == 413
    api = app.test_client().put(
        "/api/v1/shop/script",
        data=json.dumps({"greeting": huge}),
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert api.status_code == 413
    assert api.mimetype == "application/problem+json"
    with system(app) as session:
        alpha = session.scalars(select(Shop).where(Shop.slug == "alpha")).one()
        assert scripts.draft(alpha).content.get("greeting", "") == ""


def test_api_writes_refuse_fields_they_do_not_own(app: Flask) -> None:
    alpha = make_shop(app, "alpha")
    beta = make_shop(app, "beta")
    client = app.test_client()
    headers = bearer(token_for(app, alpha["email"], "alpha"))
    foreign = {
        "shop_id": beta["shop_id"],
        "id": "01a20000-0000-7000-8000-000000000000",
        "status": "closed",
    }
    writes = [
        (
            "post",
            "/api/v1/shop/closures",
            {"starts_on": SOON, "ends_on": SOON, "reason": "棚卸し"},
        ),
        (
            "put",
            "/api/v1/shop/notifications",
            {"emails": ["a@alpha.example.jp"], "webhook_url": "", "categories": {}},
        ),
        ("put", "/api/v1/shop/emergency-closure", {"message": "本日は臨時休業です。"}),
        ("post", "/api/v1/shop/campaigns", {"day": SOON, "multiplier": 2.0}),
    ]
    for method, path, body in writes:
        alone = getattr(client, method)(path, json=body, headers=headers)
        assert alone.status_code < 300, (path, alone.get_data(as_text=True))
        for field, value in foreign.items():
            response = getattr(client, method)(path, json={**body, field: value}, headers=headers)
            assert response.status_code == 422, (path, field, response.get_data(as_text=True))
            assert field in json.dumps(response.get_json()["errors"]), (path, field)
    with system(app) as session:
        beta_id = session.scalars(select(Shop.id).where(Shop.slug == "beta")).one()
        assert (
            session.scalars(select(CoverageClosure).where(CoverageClosure.shop_id == beta_id)).all()
            == []
        )
        assert session.scalars(select(Shop.status).where(Shop.slug == "alpha")).one() == "active"
        beta_shop = session.get(Shop, beta_id)
        assert notifications.settings_for(beta_shop).emails == []
