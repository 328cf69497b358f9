"""Export everything, close the account, delete after the retention period — each audited."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tenants.closing import purge_closed_shops
from tenants.db import utcnow
from tenants.models import AuditEvent, Shop
from tenants.numbers import services as numbers
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_shop

PAGE = "/shops/alpha/account/"


def owner_with_a_number(app: Flask) -> FlaskClient:
    alpha = make_shop(app, "alpha")
    make_shop(app, "beta")
    with system(app) as session:
        number = numbers.add_to_pool("03-4500-0001", kind="phone")
        session.flush()
        numbers.rent(
            session.scalars(select(Shop).where(Shop.slug == "alpha")).one(),
            number.id,
            actor=None,
            ip=None,
        )
    client = app.test_client()
    log_in(client, alpha["email"], PASSWORD)
    return client


def actions(app: Flask) -> list[str]:
    with system(app) as session:
        return list(session.scalars(select(AuditEvent.action)))


def test_export_is_a_zip_of_this_shops_data_only(app: Flask) -> None:
    client = owner_with_a_number(app)
    response = client.post(PAGE + "export", data={"csrf_token": csrf_token(client, PAGE)})
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert {
        "alpha/shop.json",
        "alpha/members.csv",
        "alpha/numbers.csv",
        "alpha/script_versions.json",
        "alpha/coverage_versions.json",
    } <= names
    assert json.loads(archive.read("alpha/shop.json"))["slug"] == "alpha"
    members = archive.read("alpha/members.csv").decode("utf-8-sig")
    assert "owner@alpha.example.jp" in members
    assert "beta" not in members
    assert "03-4500-0001" in archive.read("alpha/numbers.csv").decode("utf-8-sig")
    assert "shop.exported" in actions(app)


def test_close_needs_the_shop_id_typed(app: Flask) -> None:
    client = owner_with_a_number(app)
    response = client.post(
        PAGE + "close", data={"confirmation": "nope", "csrf_token": csrf_token(client, PAGE)}
    )
    assert response.status_code == 400
    assert "alpha" in response.get_data(as_text=True)
    with system(app) as session:
        assert session.scalar(select(Shop.status).where(Shop.slug == "alpha")) == "active"
        assert numbers.shop_for_number("+81345000001") is not None


def test_closing_releases_numbers_and_deletion_follows_retention(app: Flask) -> None:
    client = owner_with_a_number(app)
    response = client.post(
        PAGE + "close", data={"confirmation": "alpha", "csrf_token": csrf_token(client, PAGE)}
    )
    assert response.status_code == 302
    assert "削除されます" in client.get(PAGE).get_data(as_text=True)
    with system(app) as session:
        assert session.scalar(select(Shop.status).where(Shop.slug == "alpha")) == "closed"
        assert numbers.shop_for_number("+81345000001") is None
    purge_closed_shops(app)
    with system(app) as session:
        assert session.scalar(select(func.count()).select_from(Shop)) == 2  # kept for now
        shop = session.scalars(select(Shop).where(Shop.slug == "alpha")).one()
        shop.closed_at = utcnow() - timedelta(days=91)
    purge_closed_shops(app)
    with system(app) as session:
        assert session.scalars(select(Shop.slug)).all() == ["beta"]
    assert {"shop.closed", "shop.deleted"} <= set(actions(app))


def test_members_and_other_shops_cannot_close(app: Flask) -> None:
    owner_with_a_number(app)
    beta = app.test_client()
    log_in(beta, "owner@beta.example.jp", PASSWORD)
    token = csrf_token(beta, "/shops/beta/")
    assert (
        beta.post(PAGE + "close", data={"confirmation": "alpha", "csrf_token": token}).status_code
        == 404
    )
    assert beta.post(PAGE + "export", data={"csrf_token": token}).status_code == 404
