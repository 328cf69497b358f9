"""Coverage on the API: a shop token reads and writes its own shop only; errors are problem+json."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from tenants.coverage.services import today_in_tokyo
from tenants.models import StaffRole
from tests.factories import make_shop, make_staff
from tests.tenants.test_api import bearer, token_for

WEEKDAYS_9_18 = {day: ["09:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")}


def test_save_and_read_back_a_version(app: Flask, client: FlaskClient) -> None:
    alpha = make_shop(app, "alpha")
    headers = bearer(token_for(app, alpha["email"], "alpha"))
    created = client.post(
        "/api/v1/shop/coverage",
        headers=headers,
        json={"week": {**WEEKDAYS_9_18, "sat": ["22:00-02:00"]}, "holiday_mode": "closed"},
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["week"]["sat"] == ["22:00-02:00"]
    body = client.get("/api/v1/shop/coverage", headers=headers).get_json()
    assert body["current"]["week"]["mon"] == ["09:00-18:00"]
    assert body["current"]["holiday_mode"] == "closed"
    assert len(body["versions"]) == 1


def test_check_answers_for_a_moment(app: Flask, client: FlaskClient) -> None:
    alpha = make_shop(app, "alpha")
    headers = bearer(token_for(app, alpha["email"], "alpha"))
    client.post("/api/v1/shop/coverage", headers=headers, json={"week": WEEKDAYS_9_18})
    monday = today_in_tokyo() + timedelta(days=7 - today_in_tokyo().weekday())
    inside = client.get(
        f"/api/v1/shop/coverage/check?at={monday.isoformat()}T10:00:00%2B09:00", headers=headers
    )
    assert inside.get_json()["covered"] is True
    outside = client.get(
        f"/api/v1/shop/coverage/check?at={monday.isoformat()}T20:00:00%2B09:00", headers=headers
    )
    assert outside.get_json()["covered"] is False


def test_invalid_week_is_422_problem_and_nothing_saved(app: Flask, client: FlaskClient) -> None:
    alpha = make_shop(app, "alpha")
    headers = bearer(token_for(app, alpha["email"], "alpha"))
    client.post("/api/v1/shop/coverage", headers=headers, json={"week": WEEKDAYS_9_18})
    for body in (
        {"week": {"mon": ["09:00-12:00", "11:00-13:00"]}},
        {"week": {"funday": ["09:00-12:00"]}},
        {"week": {"mon": ["18:00-09:00x"]}},
        {"week": {"mon": ["09:00-18:00"]}, "effective_from": "2001-01-01"},
    ):
        response = client.post("/api/v1/shop/coverage", headers=headers, json=body)
        assert response.status_code == 422, body
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["errors"]
    versions = client.get("/api/v1/shop/coverage", headers=headers).get_json()["versions"]
    assert len(versions) == 1


def test_second_shop_never_sees_the_first(app: Flask, client: FlaskClient) -> None:
    alpha = make_shop(app, "alpha")
    beta = make_shop(app, "beta")
    alpha_headers = bearer(token_for(app, alpha["email"], "alpha"))
    beta_headers = bearer(token_for(app, beta["email"], "beta"))
    client.post("/api/v1/shop/coverage", headers=alpha_headers, json={"week": WEEKDAYS_9_18})
    today = today_in_tokyo()
    closure = client.post(
        "/api/v1/shop/closures",
        headers=alpha_headers,
        json={
            "starts_on": (today + timedelta(days=2)).isoformat(),
            "ends_on": (today + timedelta(days=3)).isoformat(),
            "reason": "棚卸し",
        },
    ).get_json()
    seen_by_beta = client.get("/api/v1/shop/coverage", headers=beta_headers).get_json()
    assert seen_by_beta["versions"] == []
    assert seen_by_beta["closures"] == []
    assert (
        client.delete(f"/api/v1/shop/closures/{closure['id']}", headers=beta_headers).status_code
        == 404
    )
    assert (
        len(client.get("/api/v1/shop/coverage", headers=alpha_headers).get_json()["closures"]) == 1
    )


def test_emergency_closure_over_the_api(app: Flask, client: FlaskClient) -> None:
    alpha = make_shop(app, "alpha")
    headers = bearer(token_for(app, alpha["email"], "alpha"))
    client.post(
        "/api/v1/shop/coverage",
        headers=headers,
        json={
            "week": {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
        },
    )
    assert client.get("/api/v1/shop/coverage", headers=headers).get_json()["covered_now"] is True
    put = client.put(
        "/api/v1/shop/emergency-closure", headers=headers, json={"message": "本日は臨時休業です"}
    )
    assert put.status_code == 200
    assert client.get("/api/v1/shop/coverage", headers=headers).get_json()["covered_now"] is False
    assert client.delete("/api/v1/shop/emergency-closure", headers=headers).status_code == 204
    assert client.delete("/api/v1/shop/emergency-closure", headers=headers).status_code == 404


def test_staff_token_has_no_shop_endpoints(app: Flask, client: FlaskClient) -> None:
    supervisor = make_staff(app, StaffRole.SUPERVISOR)
    headers = bearer(token_for(app, supervisor["email"]))
    assert client.get("/api/v1/shop/coverage", headers=headers).status_code == 404


def test_coverage_endpoints_are_in_the_openapi_document(client: FlaskClient) -> None:
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert {
        "/api/v1/shop/coverage",
        "/api/v1/shop/coverage/check",
        "/api/v1/shop/closures",
        "/api/v1/shop/emergency-closure",
    } <= set(paths)
