"""Admins suspend a shop for a reason other than non-payment and lift it; the reason is kept on the
shop and both are in the audit log; no one else can."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tenants.models import AuditEvent, Shop, StaffRole
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_shop, make_staff

HOME = "/staff/"


def staff(app: Flask, role: StaffRole) -> FlaskClient:
    client = app.test_client()
    log_in(client, make_staff(app, role)["email"], PASSWORD)
    return client


def states(app: Flask) -> dict[str, tuple[str, str | None]]:
    with system(app) as session:
        rows = session.execute(select(Shop.slug, Shop.status, Shop.suspension_reason)).all()
        return {slug: (status, reason) for slug, status, reason in rows}


def test_an_admin_suspends_a_shop_for_a_reason_then_lifts_it(app: Flask) -> None:
    make_shop(app, "alpha")
    make_shop(app, "beta")
    admin = staff(app, StaffRole.ADMIN)
    token = csrf_token(admin, HOME)
    page = admin.post(
        "/staff/shops/alpha/suspend",
        data={"reason": "owner_request", "note": "店舗改装のため", "csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "alpha shop を停止しました" in page
    assert "オーナーからの依頼" in page
    assert states(app) == {"alpha": ("suspended", "owner_request"), "beta": ("active", None)}
    refused = admin.post(
        "/staff/shops/beta/suspend",
        data={"reason": "because", "csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "停止する理由を選んでください" in refused
    assert states(app)["beta"] == ("active", None)
    home = admin.get(HOME).get_data(as_text=True)  # no reason is chosen for the admin: one
    assert '<option value="" selected>理由を選ぶ</option>' in home  # slip cannot suspend a shop
    unchosen = admin.post(
        "/staff/shops/beta/suspend", data={"reason": "", "csrf_token": token}, follow_redirects=True
    )
    assert "停止する理由を選んでください" in unchosen.get_data(as_text=True)
    assert states(app)["beta"] == ("active", None)
    admin.post("/staff/shops/alpha/lift-suspension", data={"csrf_token": token})
    assert states(app)["alpha"] == ("active", None)
    with system(app) as session:
        events = session.execute(
            select(AuditEvent.action, AuditEvent.detail).order_by(AuditEvent.at)
        ).all()
    actions = [action for action, _ in events]
    assert actions[-2:] == ["shop.suspended", "shop.suspension_lifted"]
    assert events[-2][1] == {"reason": "owner_request", "note": "店舗改装のため"}
    assert admin.post("/staff/shops/nowhere/suspend", data={"csrf_token": token}).status_code == 404


def test_only_admins_suspend_shops(app: Flask) -> None:
    shop = make_shop(app, "alpha")
    supervisor = staff(app, StaffRole.SUPERVISOR)
    token = csrf_token(supervisor, HOME)
    assert 'name="reason"' not in supervisor.get(HOME).get_data(as_text=True)
    response = supervisor.post(
        "/staff/shops/alpha/suspend", data={"reason": "other", "csrf_token": token}
    )
    assert response.status_code == 404
    owner = app.test_client()
    log_in(owner, shop["email"], PASSWORD)
    token = csrf_token(owner, "/shops/alpha/")
    response = owner.post(
        "/staff/shops/alpha/suspend", data={"reason": "other", "csrf_token": token}
    )
    assert response.status_code == 404
    assert states(app) == {"alpha": ("active", None)}
