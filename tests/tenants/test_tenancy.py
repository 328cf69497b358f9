"""Shops never see each other: another shop's page is 404, staff pages are 404 to shop users."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tenants.models import StaffRole
from tests.conftest import log_in
from tests.factories import PASSWORD, make_shop, make_staff


def test_owner_gets_404_for_another_shop(app: Flask, client: FlaskClient) -> None:
    alpha = make_shop(app, "alpha")
    make_shop(app, "beta")
    log_in(client, alpha["email"], PASSWORD)
    response = client.get("/shops/beta/")
    assert response.status_code == 404
    assert "beta shop" not in response.get_data(as_text=True)
    assert client.get("/shops/no-such-shop/").status_code == 404


def test_dashboard_lists_only_this_shops_members(app: Flask, client: FlaskClient) -> None:
    alpha = make_shop(app, "alpha")
    beta = make_shop(app, "beta")
    log_in(client, alpha["email"], PASSWORD)
    page = client.get("/shops/alpha/").get_data(as_text=True)
    assert alpha["email"] in page
    assert beta["email"] not in page


def test_shop_owner_cannot_see_staff_pages(app: Flask, client: FlaskClient) -> None:
    alpha = make_shop(app, "alpha")
    log_in(client, alpha["email"], PASSWORD)
    assert client.get("/staff/").status_code == 404
    assert client.get("/staff/audit").status_code == 404


def test_operator_sees_no_shop_list_and_no_audit_log(app: Flask, client: FlaskClient) -> None:
    make_shop(app, "alpha")
    operator = make_staff(app, StaffRole.OPERATOR)
    log_in(client, operator["email"], PASSWORD)
    page = client.get("/staff/").get_data(as_text=True)
    assert "alpha shop" not in page
    assert client.get("/staff/audit").status_code == 404


def test_admin_reads_the_audit_log(app: Flask, client: FlaskClient) -> None:
    alpha = make_shop(app, "alpha")
    log_in(client, alpha["email"], "wrong-password-x")
    admin = make_staff(app, StaffRole.ADMIN)
    log_in(client, admin["email"], PASSWORD)
    page = client.get("/staff/audit").get_data(as_text=True)
    assert "login.failed" in page
    assert "login.success" in page


def test_pages_need_a_login(client: FlaskClient) -> None:
    response = client.get("/shops/alpha/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
