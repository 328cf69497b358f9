"""The live estimate the coverage editor asks for: draft hours priced without saving them."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tenants.coverage.models import CoverageVersion
from tenants.coverage.services import today_in_tokyo
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_shop

URL = "/shops/alpha/billing/estimate"


def owner(app: Flask) -> FlaskClient:
    alpha = make_shop(app, "alpha")
    client = app.test_client()
    log_in(client, alpha["email"], PASSWORD)
    return client


def ask(client: FlaskClient, **days: str) -> object:
    form = {f"day_{d}": "" for d in range(7)}
    form.update(
        days,
        holiday_mode="as_weekday",
        holiday_bands="",
        effective_from=today_in_tokyo().isoformat(),
        csrf_token=csrf_token(client, "/shops/alpha/coverage/"),
    )
    return client.post(URL, data=form)


def test_more_hours_cost_more_and_nothing_is_saved(app: Flask) -> None:
    client = owner(app)
    little = ask(client, day_0="09:00-10:00").get_json()["months"]
    lots = ask(client, **{f"day_{d}": "00:00-24:00" for d in range(7)}).get_json()["months"]
    assert little[1]["minimum_applies"] is True
    assert little[1]["total"] == 33000  # the minimum and its tax for a whole month
    assert lots[1]["total"] > little[1]["total"]
    assert lots[1]["tax"] == lots[1]["subtotal"] // 10
    with system(app) as session:
        assert session.scalar(select(func.count()).select_from(CoverageVersion)) == 0


def test_bad_hours_get_a_message(app: Flask) -> None:
    client = owner(app)
    response = ask(client, day_0="09:00-12:00, 11:00-13:00")
    assert response.status_code == 422
    assert "重なっています" in response.get_json()["message"]


def test_another_shops_estimate_is_404(app: Flask) -> None:
    owner(app)
    beta = make_shop(app, "beta")
    other = app.test_client()
    log_in(other, beta["email"], PASSWORD)
    response = other.post(URL, data={"csrf_token": csrf_token(other, "/shops/beta/coverage/")})
    assert response.status_code == 404


def test_dashboard_shows_the_running_amount(app: Flask) -> None:
    client = owner(app)
    page = client.get("/shops/alpha/").get_data(as_text=True)
    assert 'data-testid="estimate-card"' in page
    assert "¥" in page
    assert "月額最低料金が適用されます" in page  # no hours yet: the minimum
