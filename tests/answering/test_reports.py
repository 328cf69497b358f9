"""Answer-rate reports: the definitions, the groupings, who may read them, CSV for Excel."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from answering.models import Call
from tenants.coverage.services import today_in_tokyo
from tenants.models import StaffRole
from tests.answering.test_carrier import incoming, shop_with_number
from tests.conftest import log_in, system
from tests.factories import PASSWORD, make_shop, make_staff
from tests.tenants.test_api import bearer, token_for


def five_calls(app: Flask, client: FlaskClient) -> None:
    """Two answered (waits 10 s and 30 s, 120 s each), one abandoned, one short, one callback."""
    shop_with_number(app)
    for sid in ("A1", "A2", "AB", "SH", "CB"):
        incoming(app, client, sid=sid)
    with system(app) as session:
        calls = {c.call_sid: c for c in session.scalars(select(Call))}
        for sid, wait in (("A1", 10), ("A2", 30)):
            call = calls[sid]
            call.answered_at = call.queued_at + timedelta(seconds=wait)
            call.ended_at = call.answered_at + timedelta(seconds=120)
            call.outcome = "answered"
        calls["AB"].outcome = "abandoned"
        calls["SH"].outcome = "short_abandon"
        calls["CB"].outcome = "callback"


def query(day: str, group_by: str = "day") -> str:
    return f"/api/v1/reports/answer-rate?from={day}&to={day}&group_by={group_by}"


def test_supervisor_reads_the_definitions(app: Flask, client: FlaskClient) -> None:
    five_calls(app, client)
    supervisor = make_staff(app, StaffRole.SUPERVISOR)
    headers = bearer(token_for(app, supervisor["email"]))
    [row] = client.get(query(today_in_tokyo().isoformat()), headers=headers).get_json()
    assert row["day"] == today_in_tokyo().isoformat()
    assert (row["offered"], row["answered"], row["abandoned"]) == (3, 2, 1)
    assert (row["short_abandoned"], row["callbacks"]) == (1, 1)
    assert row["answer_rate"] == round(2 / 3, 4)
    assert row["service_level"] == round(1 / 3, 4)  # only the 10 s wait is within 20 s
    assert (row["asa_s"], row["aht_s"]) == (20.0, 120.0)
    by_shop = client.get(query(today_in_tokyo().isoformat(), "shop"), headers=headers).get_json()
    assert [r["shop"] for r in by_shop] == ["alpha"]


def test_a_shop_token_reads_its_own_shop_only(app: Flask, client: FlaskClient) -> None:
    five_calls(app, client)
    beta = make_shop(app, "beta")
    beta_headers = bearer(token_for(app, beta["email"], "beta"))
    day = today_in_tokyo().isoformat()
    assert client.get(query(day), headers=beta_headers).get_json() == []
    assert client.get(query(day) + "&shop=alpha", headers=beta_headers).status_code == 404
    alpha_headers = bearer(token_for(app, "owner@alpha.example.jp", "alpha"))
    assert client.get(query(day), headers=alpha_headers).get_json()[0]["offered"] == 3


def test_operators_and_bad_ranges_are_refused(app: Flask, client: FlaskClient) -> None:
    operator = make_staff(app, StaffRole.OPERATOR)
    headers = bearer(token_for(app, operator["email"]))
    assert client.get(query("2026-11-01"), headers=headers).status_code == 404
    admin = make_staff(app, StaffRole.ADMIN)
    admin_headers = bearer(token_for(app, admin["email"]))
    backwards = client.get(
        "/api/v1/reports/answer-rate?from=2026-11-02&to=2026-11-01&group_by=day",
        headers=admin_headers,
    )
    assert backwards.status_code == 422
    assert client.get(query("2026-11-01", "colour"), headers=admin_headers).status_code == 422


def test_the_page_and_its_csv(app: Flask, client: FlaskClient) -> None:
    five_calls(app, client)
    supervisor = make_staff(app, StaffRole.SUPERVISOR)
    page_client = app.test_client()
    log_in(page_client, supervisor["email"], PASSWORD)
    page = page_client.get("/staff/reports/answer-rate").get_data(as_text=True)
    assert "応答率" in page
    assert "66.7 %" in page
    assert 'class="below-target"' in page
    csv = page_client.get("/staff/reports/answer-rate?format=csv")
    assert csv.mimetype == "text/csv"
    assert csv.data.startswith("\ufeff".encode())
    assert "日,着信数,応対済み,放棄".encode() in csv.data
    owner = app.test_client()
    log_in(owner, "owner@alpha.example.jp", PASSWORD)
    assert owner.get("/staff/reports/answer-rate").status_code == 404


def test_dates_far_away_are_refused_not_errors(app: Flask, client: FlaskClient) -> None:
    admin = make_staff(app, StaffRole.ADMIN)
    headers = bearer(token_for(app, admin["email"]))
    for day in ("9999-12-31", "0001-01-01"):
        assert client.get(query(day), headers=headers).status_code == 422
    page = app.test_client()
    log_in(page, admin["email"], PASSWORD)
    assert page.get("/staff/reports/answer-rate?from=9999-12-31&to=9999-12-31").status_code == 400


def test_the_shops_dashboard_shows_this_months_answer_rate(app: Flask, client: FlaskClient) -> None:
    owner = app.test_client()
    make_shop(app, "empty")
    log_in(owner, "owner@empty.example.jp", PASSWORD)
    assert "着信が入ると応答率が表示されます" in owner.get("/shops/empty/").get_data(as_text=True)
    five_calls(app, client)
    alpha = app.test_client()
    log_in(alpha, "owner@alpha.example.jp", PASSWORD)
    page = alpha.get("/shops/alpha/").get_data(as_text=True)
    assert "今月の応答率：66.7 %（3件中）" in page
