"""The staff audit log names who acted and on whom or which shop, keeps the ids at hand for support,
and loads those names for the whole page at once, not row by row."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from answering import quality_criteria
from scheduling import queues
from tenants.db import db
from tenants.models import Shop, StaffRole, User
from tenants.notifications import services as notifications
from tenants.numbers.services import add_to_pool, rent
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


def action(page: str, row: int = 0) -> str:
    """The action cell as read: its label, and the change it made under it."""
    cells = re.findall(r"<td data-action=[^>]*>(.*?)</td>", page, re.S)
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
    # ids are for support, not for reading: besides the titles, only under the row's "ID" fold
    assert page.count(f">{alpha['shop_id']}<") == 1
    ids = re.findall(r'<td data-column="ids">(.*?)</td>', page, re.S)[0]
    assert "<details" in ids
    assert f"<code>{alpha['shop_id']}</code>" in ids
    assert f"<code>{admin['user_id']}</code>" in ids


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

    with system(app) as session:
        staff = session.get(User, _admin["user_id"])
        assert staff is not None
        queues.create("FOOD", "食品・飲料", actor=staff, ip=None)
        item_key = quality_criteria.add({"label": "復唱確認", "weight": "2"}, staff).key

    def write(count: int) -> None:
        """`count` entries of each kind the page names: shops, people, queues, items, numbers."""
        with system(app) as session:
            owners = [session.get(User, s["owner_id"]) for s in shops]
            for n in range(count):
                shop = shops[n % len(shops)]
                shop_id = session.get(Shop, shop["shop_id"]).id  # type: ignore[union-attr]
                owner = owners[n % len(owners)]
                audit("shop.exported", actor=owner, shop_id=shop_id, target=shop["slug"])
                audit("queue.renamed", actor=owner, target="FOOD", detail={"from": "a", "to": "b"})
                audit(
                    "shop.queue_changed",
                    actor=owner,
                    shop_id=shop_id,
                    target=shop["slug"],
                    detail={"from": "team-default", "to": "FOOD"},
                )
                audit("quality.criterion_changed", actor=owner, target=item_key)
                audit("number.added", actor=owner, target=f"+8134500{n:04d}")

    write(3)
    with statements(app) as few:
        small = client.get(AUDIT).get_data(as_text=True)
    write(40)
    with statements(app) as many:
        large = client.get(AUDIT).get_data(as_text=True)
    assert small.count("shop.exported") < large.count("shop.exported")
    assert "shop3 owner" in large
    assert "shop3 shop" in large
    assert re.sub(r"<[^>]+>", "", large).count("共通キュー → 食品・飲料") == 40
    assert large.count(">復唱確認<") == 40
    assert len(many) == len(few), many


def test_queues_and_scorecard_items_are_named_and_changes_read_from_before_to_after(
    app: Flask,
) -> None:
    alpha = make_shop(app, "alpha")
    client, admin = admin_client(app)
    with system(app) as session:
        staff = session.get(User, admin["user_id"])
        shop = session.get(Shop, alpha["shop_id"])
        assert staff is not None
        assert shop is not None
        food = queues.create("FOOD", "食品", actor=staff, ip=None)
        queues.rename(food, "食品・飲料", actor=staff, ip=None)
        queues.assign(shop, "FOOD", actor=staff, ip=None)
        item = quality_criteria.add({"label": "復唱確認", "weight": "2"}, staff)
        gone = queues.create("GONE", "撤去予定", actor=staff, ip=None)
        queues.delete_queue(gone, actor=staff, ip=None)
        item_key = item.key
    page = client.get(AUDIT).get_data(as_text=True)
    assert entry(page, "キューを削除") == ("キューを削除", "GONE")  # gone: its key, as written
    assert entry(page, "評価項目を追加") == ("評価項目を追加", "復唱確認")
    assert f'title="{item_key}"' in page  # the key, for support
    assert f"<code>{item_key}</code>" in page
    assert entry(page, "ショップのキューを変更") == (
        "ショップのキューを変更 共通キュー → 食品・飲料",
        "alpha shop alpha",
    )
    assert entry(page, "キューの名前を変更") == (
        "キューの名前を変更 食品 → 食品・飲料",
        "食品・飲料",
    )
    assert sorted(entries(page, "キューを作成")) == [
        ("キューを作成", "GONE"),  # deleted since: its key, as written
        ("キューを作成", "食品・飲料"),
    ]
    assert 'title="FOOD"' in page
    assert 'title="queue.renamed"' not in page  # codes are for the code, not for readers
    assert ">FOOD<" not in page.replace("<code>FOOD</code>", "")


def entries(page: str, label: str) -> list[tuple[str, str]]:
    """The rows whose action reads `label`, newest first: action cell and target cell, as read."""
    return [
        (action(row), cell(row, "target"))
        for row in re.findall(r"<tr>(.*?)</tr>", page, re.S)
        if re.search(rf"<td data-action=[^>]*>{re.escape(label)}[<\s]", row)
    ]


def entry(page: str, label: str) -> tuple[str, str]:
    """The one row whose action reads `label`."""
    found = entries(page, label)
    assert len(found) == 1, found
    return found[0]


def test_saving_a_template_and_going_back_to_the_standard_read_differently(app: Flask) -> None:
    alpha = make_shop(app, "alpha")
    with system(app) as session:
        shop = session.get(Shop, alpha["shop_id"])
        owner = session.get(User, alpha["owner_id"])
        assert shop is not None
        notifications.save_template(shop, "{shop}へ伝言", "{message}", actor=owner)
        notifications.reset_template(shop, actor=owner)
    client, _admin = admin_client(app)
    page = client.get(AUDIT).get_data(as_text=True)
    assert entry(page, "伝言メールのひな形を標準に戻す")[1] == "alpha shop alpha"
    assert entry(page, "伝言メールのひな形を変更")[1] == "alpha shop alpha"


def test_phone_numbers_read_in_national_format_with_e164_kept_for_support(app: Flask) -> None:
    alpha = make_shop(app, "alpha")
    client, admin = admin_client(app)
    with system(app) as session:
        staff = session.get(User, admin["user_id"])
        shop = session.get(Shop, alpha["shop_id"])
        assert shop is not None
        number = add_to_pool("+81345000001", kind="phone", actor=staff)
        rent(shop, number.id, actor=staff, ip=None)
        audit("number.changed_test", actor=None, detail={"from": "+81345000001", "to": None})
    page = client.get(AUDIT).get_data(as_text=True)
    assert entry(page, "number.changed_test")[0] == "number.changed_test 03-4500-0001 → —"
    assert entry(page, "番号をレンタル")[1] == "03-4500-0001 ショップ: alpha shop alpha"
    assert entry(page, "番号をプールに追加")[1] == "03-4500-0001"
    assert 'title="+81345000001"' in page
    assert ">+81345000001<" not in page.replace("<code>+81345000001</code>", "")


def test_a_role_change_reads_in_the_words_of_the_members_and_staff_pages(app: Flask) -> None:
    from tenants.services import set_staff_role

    client, admin = admin_client(app)
    person = make_staff(app, StaffRole.OPERATOR, email="op@answering.example.jp")
    with system(app) as session:
        actor = session.get(User, admin["user_id"])
        user = session.get(User, person["user_id"])
        assert user is not None
        set_staff_role(user, StaffRole.SUPERVISOR, actor=actor, ip=None)
    page = client.get(AUDIT).get_data(as_text=True)
    assert entry(page, "権限を変更")[0] == "権限を変更 オペレーター → スーパーバイザー"
