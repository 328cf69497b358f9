"""The staff audit log names who acted and on whom or which shop, keeps the ids at hand for support,
and loads those names for the whole page at once, not row by row."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from tenants.db import db
from tenants.models import Shop, StaffRole, User
from tenants.services import audit
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_shop, make_staff

AUDIT = "/staff/audit"


def admin_client(app: Flask) -> tuple[FlaskClient, dict[str, str]]:
    client = app.test_client()
    admin = make_staff(app, StaffRole.ADMIN, email="kanri@answering.example.jp")
    with system(app) as session:
        session.scalars(
            select(User).where(User.email == admin["email"])
        ).one().display_name = "管理 花子"
    log_in(client, admin["email"], PASSWORD)
    return client, admin


def cell(page: str, column: str, row: int = 0) -> str:
    cells = re.findall(rf'<td data-column="{column}">(.*?)</td>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", cells[row]).split())


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    sent: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_log_names_the_actor_and_the_shop_they_acted_on_with_ids_in_titles(
    app: Flask,
) -> None:
    alpha = make_shop(app, "alpha")
    client, admin = admin_client(app)
    client.post(
        "/staff/shops/alpha/suspend",
        data={"reason": "owner_request", "csrf_token": csrf_token(client, "/staff/")},
    )
    page = client.get(AUDIT).get_data(as_text=True)
    assert cell(page, "actor") == "管理 花子 kanri@answering.example.jp"
    assert cell(page, "target") == "alpha shop alpha"
    assert f'title="{admin["user_id"]}"' in page
    assert f'title="{alpha["shop_id"]}"' in page
    assert f">{alpha['shop_id']}<" not in page  # ids are for support, not for reading


def test_a_person_named_by_id_or_e_mail_is_shown_by_name_in_the_shop_concerned(
    app: Flask,
) -> None:
    alpha = make_shop(app, "alpha")
    operator = make_staff(app, StaffRole.OPERATOR, email="op1@answering.example.jp")
    with system(app) as session:
        actor = session.get(User, alpha["owner_id"])
        shop = session.get(Shop, alpha["shop_id"])
        assert actor is not None
        assert shop is not None
        audit("operator.phone_changed", actor=None, target=operator["user_id"])
        audit("member.invited", actor=actor, shop_id=shop.id, target="new@alpha.example.jp")
        audit("login.failed", actor=None, target="nobody@example.jp")
    client, _admin = admin_client(app)
    page = client.get(AUDIT).get_data(as_text=True)
    # newest first: the admin's own login, then the three above in reverse
    assert cell(page, "actor", 1) == "システム"
    assert cell(page, "target", 1) == "nobody@example.jp"
    assert cell(page, "actor", 2) == "alpha owner owner@alpha.example.jp"
    assert cell(page, "target", 2) == "new@alpha.example.jp ショップ: alpha shop alpha"
    assert cell(page, "actor", 3) == "システム"
    assert cell(page, "target", 3) == "operator op1@answering.example.jp"
    assert f'title="{operator["user_id"]}"' in page


def test_a_deleted_actor_keeps_their_id(app: Flask) -> None:
    gone = make_staff(app, StaffRole.SUPERVISOR, email="gone@answering.example.jp")
    with system(app) as session:
        user = session.get(User, gone["user_id"])
        audit("role.change", actor=user, target=user.email if user else None)
        session.delete(user)
    client, _admin = admin_client(app)
    page = client.get(AUDIT).get_data(as_text=True)
    assert cell(page, "actor", 1) == "削除されたユーザー"
    assert cell(page, "target", 1) == "gone@answering.example.jp"
    assert f'title="{gone["user_id"]}"' in page


def test_names_cost_the_same_queries_for_three_rows_as_for_forty(app: Flask) -> None:
    shops = [make_shop(app, f"shop{n}") for n in range(4)]
    client, _admin = admin_client(app)

    def write(count: int) -> None:
        with system(app) as session:
            owners = [session.get(User, s["owner_id"]) for s in shops]
            for n in range(count):
                shop = shops[n % len(shops)]
                audit(
                    "shop.exported",
                    actor=owners[n % len(owners)],
                    shop_id=session.get(Shop, shop["shop_id"]).id,  # type: ignore[union-attr]
                    target=shop["slug"],
                )

    write(3)
    with statements(app) as few:
        small = client.get(AUDIT).get_data(as_text=True)
    write(40)
    with statements(app) as many:
        large = client.get(AUDIT).get_data(as_text=True)
    assert small.count("shop.exported") < large.count("shop.exported")
    assert "shop3 owner" in large
    assert "shop3 shop" in large
    assert len(many) == len(few), many
