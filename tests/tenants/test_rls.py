"""Row-level security, the second wall: raw SQL inside a shop's scope sees and writes only that shop."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask_login import login_user
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from tenants.auth import enter_shop
from tenants.db import db
from tenants.models import User
from tests.factories import make_shop

pytestmark = pytest.mark.postgres


def test_raw_select_in_a_shop_request_sees_only_that_shop(app: Flask) -> None:
    alpha = make_shop(app, "alpha")
    beta = make_shop(app, "beta")
    with app.test_request_context("/shops/alpha/"):
        user = db.session.get(User, uuid.UUID(alpha["owner_id"]))
        login_user(user)
        app.preprocess_request()  # what every request does first: scope to the logged-in user
        enter_shop(user, "alpha")
        shops = db.session.execute(text("SELECT id FROM shops")).scalars().all()
        members = db.session.execute(text("SELECT shop_id FROM shop_memberships")).scalars().all()
        assert {str(s) for s in shops} == {alpha["shop_id"]}
        assert {str(s) for s in members} == {alpha["shop_id"]}
        assert beta["shop_id"] not in {str(s) for s in shops}


def test_insert_pointing_at_another_shop_is_refused(app: Flask) -> None:
    alpha = make_shop(app, "alpha")
    beta = make_shop(app, "beta")
    with app.test_request_context("/shops/alpha/"):
        user = db.session.get(User, uuid.UUID(alpha["owner_id"]))
        login_user(user)
        app.preprocess_request()
        enter_shop(user, "alpha")
        savepoint = db.session.begin_nested()
        with pytest.raises(ProgrammingError, match="row-level security"):
            db.session.execute(
                text(
                    "INSERT INTO shop_memberships (shop_id, id, user_id, role, created_at)"
                    " VALUES (:shop, :id, :user, 'owner', now())"
                ),
                {"shop": beta["shop_id"], "id": str(uuid.uuid4()), "user": alpha["owner_id"]},
            )
        savepoint.rollback()


def test_no_scope_sees_no_shop_rows(app: Flask) -> None:
    make_shop(app, "alpha")
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM shops")).scalar() == 0
        assert db.session.execute(text("SELECT count(*) FROM shop_memberships")).scalar() == 0


def test_the_application_role_cannot_bypass_policies(app: Flask) -> None:
    with app.app_context():
        row = db.session.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        ).one()
        assert tuple(row) == (False, False)
