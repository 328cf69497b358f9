"""Admins keep the rate card (page and API); a new card prices the days from its date on."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from tenants.coverage.services import today_in_tokyo
from tenants.models import StaffRole
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_shop, make_staff
from tests.tenants.test_api import bearer, token_for

PAGE = "/staff/rate-cards"


def card(days_ahead: int = 1, **changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "effective_from": (today_in_tokyo() + timedelta(days=days_ahead)).isoformat(),
        "weekday_day_yen_per_hour": 200,
        "weekday_night_yen_per_hour": 280,
        "weekend_holiday_yen_per_hour": 280,
        "phone_number_yen_per_month": 1100,
        "fax_number_yen_per_month": 1100,
        "monthly_minimum_yen": 33000,
        "tax_rate_percent": 10,
        "issuer_name": "電話代行クラウド株式会社",
        "issuer_registration_number": "T1234567890123",
        "issuer_address": "東京都千代田区丸の内1-1-1",
    }
    values.update(changes)
    return values


def admin(app: Flask) -> FlaskClient:
    user = make_staff(app, StaffRole.ADMIN)
    client = app.test_client()
    log_in(client, user["email"], PASSWORD)
    return client


def test_admin_adds_a_card_on_the_page(app: Flask) -> None:
    client = admin(app)
    response = client.post(PAGE, data={**card(), "csrf_token": csrf_token(client, PAGE)})
    assert response.status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert "¥33,000" in page
    assert "T1234567890123" in page


def test_bad_cards_are_refused(app: Flask) -> None:
    client = admin(app)
    for values, message in (
        (card(days_ahead=-1), "過去"),
        (card(issuer_registration_number="T123"), "T に続く13桁"),
        (card(weekday_day_yen_per_hour="-5"), "0〜10,000,000円"),
    ):
        response = client.post(PAGE, data={**values, "csrf_token": csrf_token(client, PAGE)})
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert "まだ料金表がありません" in client.get(PAGE).get_data(as_text=True)


def test_api_for_admins_only(app: Flask, client: FlaskClient) -> None:
    admin_user = make_staff(app, StaffRole.ADMIN)
    supervisor = make_staff(app, StaffRole.SUPERVISOR)
    headers = bearer(token_for(app, admin_user["email"]))
    created = client.post("/api/v1/rate-cards", headers=headers, json=card())
    assert created.status_code == 201, created.get_json()
    twice = client.post("/api/v1/rate-cards", headers=headers, json=card())
    assert twice.status_code == 422
    assert len(client.get("/api/v1/rate-cards", headers=headers).get_json()) == 1
    assert (
        client.get(
            "/api/v1/rate-cards", headers=bearer(token_for(app, supervisor["email"]))
        ).status_code
        == 404
    )


def test_shop_owners_cannot_open_the_page(app: Flask) -> None:
    alpha = make_shop(app, "alpha")
    client = app.test_client()
    log_in(client, alpha["email"], PASSWORD)
    assert client.get(PAGE).status_code == 404


def test_a_card_prices_the_days_from_its_date(app: Flask) -> None:
    from billing import rate_cards
    from billing.services import rates_lookup

    start = today_in_tokyo() + timedelta(days=1)
    with system(app):
        values = card()
        values["effective_from"] = start
        rate_cards.add_card(values, actor=None, ip=None)
    with system(app):
        rates = rates_lookup()
        assert rates(start - timedelta(days=1)).weekday_day == 180
        assert rates(start).weekday_day == 200
        assert rates(start + timedelta(days=400)).monthly_minimum == 33000
