"""Queues staff create, name, rename and delete at /staff/queues/: the key stays what calls, skills
and history use; the name is what staff read, unique as a reader compares names; a queue in use
is not deleted, and every change is in the audit log."""

from __future__ import annotations

import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, delete, event, select
from sqlalchemy.orm import Session

from scheduling import rosters
from scheduling.models import OperatorSkill, Queue, ShopQueue, Team, TeamMember
from tenants.db import db
from tenants.models import AuditEvent, StaffRole, User
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_shop, make_staff

PAGE = "/staff/queues/"


def supervisor(app: Flask) -> FlaskClient:
    make_staff(app, StaffRole.SUPERVISOR)
    client = app.test_client()
    log_in(client, "supervisor@answering.example.jp", PASSWORD)
    return client


def post(client: FlaskClient, url: str, **data: str) -> tuple[int, str]:
    response = client.post(
        url, data={**data, "csrf_token": csrf_token(client, PAGE)}, follow_redirects=True
    )
    return response.status_code, response.get_data(as_text=True)


def create(client: FlaskClient, key: str, name: str) -> tuple[int, str]:
    return post(client, PAGE, key=key, name=name)


def stored() -> dict[str, str]:
    return {q.key: q.name for q in db.session.scalars(select(Queue))}


def audited(app: Flask, action: str) -> list[tuple[str | None, dict[str, str], bool]]:
    """The entries of an action, oldest first: target, detail, whether a person made it."""
    with system(app) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.at)
        )
        return [(e.target, e.detail, e.actor_user_id is not None) for e in events]


def row_of(page: str, key: str) -> str:
    found = re.search(rf'<tr data-key="{re.escape(key)}"[^>]*>(.*?)</tr>', page, re.S)
    assert found, f"no row for {key}"
    return found.group(1)


def test_the_shared_queue_is_listed_and_a_new_queue_is_created_named_and_audited(
    app: Flask,
) -> None:
    client = supervisor(app)
    page = client.get(PAGE).get_data(as_text=True)
    shared = row_of(page, "team-default")
    assert 'value="共通キュー"' in shared  # its name, in the box to rename it
    assert "<code>team-default</code>" in shared
    assert "削除" not in shared  # the shared queue cannot be deleted

    status, page = create(client, " food ", " 食品 ショップ ")
    assert status == 200
    assert "キュー「食品 ショップ」を作成しました" in page
    food = row_of(page, "food")
    assert 'value="食品 ショップ"' in food
    assert "<code>food</code>" in food
    with system(app):
        assert stored() == {"team-default": "共通キュー", "food": "食品 ショップ"}
    assert audited(app, "queue.created") == [
        ("food", {"key": "food", "name": "食品 ショップ"}, True)
    ]
    admin = app.test_client()
    make_staff(app, StaffRole.ADMIN)
    log_in(admin, "admin@answering.example.jp", PASSWORD)
    assert ">キューを作成</td>" in admin.get("/staff/audit").get_data(as_text=True)


def test_bad_keys_and_missing_or_taken_names_are_refused_keeping_what_was_typed(
    app: Flask,
) -> None:
    client = supervisor(app)
    assert create(client, "food", "Food Shops")[0] == 200
    for bad, said in (
        ("", "キーを入力してください"),
        ("A 班", "キューのキーにスペースは使えません"),
        ("a/b", "キューのキーに「/」は使えません"),
        ("x" * 41, "この入力は41文字です"),
        ("<script>", "キューのキーに「&lt;」は使えません"),
        ("..", "点だけ"),
        ("a?b", "キューのキーに「?」は使えません"),
    ):
        status, page = create(client, bad, "新しいキュー")
        assert status == 400, bad
        assert said in page, bad  # the character at fault is named
        assert 'value="新しいキュー"' in page  # the name typed stays
    for taken in ("team-default", "food", "ＦＯＯＤ"):
        status, page = create(client, taken, "新しいキュー")
        assert status == 400, taken
        assert "使っています" in page
    for same in ("food shops", "ＦＯＯＤ　ＳＨＯＰＳ", "FoodShops", " 共通 キュー "):
        status, page = create(client, "other", same)
        assert status == 400, same
        assert "という名前のキューがすでにあります" in page
        assert 'value="other"' in page  # the key typed stays
    status, page = create(client, "a b", "  ")  # both wrong: both said
    assert status == 400
    assert "キューのキーにスペースは使えません" in page
    assert "キューの名前を入力してください" in page
    status, page = create(client, "long", "名" * 41)
    assert "40文字以内" in page
    with system(app):
        assert stored() == {"team-default": "共通キュー", "food": "Food Shops"}
    assert len(audited(app, "queue.created")) == 1


def test_a_queue_is_renamed_its_key_stays_and_taken_names_are_refused(app: Flask) -> None:
    client = supervisor(app)
    create(client, "food", "食品")
    create(client, "zakka", "雑貨")
    status, page = post(client, "/staff/queues/food/name", name="食品・飲料")
    assert status == 200
    assert "キュー「食品」の名前を「食品・飲料」に変えました" in page
    status, page = post(client, "/staff/queues/food/name", name="ざっか")  # another name: fine
    assert status == 200
    status, page = post(client, "/staff/queues/food/name", name="雑貨 ")
    assert status == 400
    assert "「雑貨」という名前のキューがすでにあります" in page
    assert 'value="雑貨 "' in row_of(page, "food")  # what was typed stays in its box
    status, page = post(client, "/staff/queues/food/name", name="")
    assert status == 400
    assert "キューの名前を入力してください" in page
    assert post(client, "/staff/queues/team-default/name", name="みんなのキュー")[0] == 200
    assert post(client, "/staff/queues/no-such-queue/name", name="x")[0] == 404
    with system(app):
        assert stored() == {"team-default": "みんなのキュー", "food": "ざっか", "zakka": "雑貨"}
    assert [detail for _, detail, _ in audited(app, "queue.renamed")] == [
        {"key": "food", "from": "食品", "to": "食品・飲料"},
        {"key": "food", "from": "食品・飲料", "to": "ざっか"},
        {"key": "team-default", "from": "共通キュー", "to": "みんなのキュー"},
    ]


def test_moving_a_shop_picks_one_of_the_queues_by_name(app: Flask) -> None:
    make_shop(app, "alpha")
    client = supervisor(app)
    create(client, "food", "食品")
    page = client.get(PAGE).get_data(as_text=True)
    select_box = re.search(r'<select name="queue"[^>]*>(.*?)</select>', page, re.S)
    assert select_box
    options = re.findall(r'<option value="([^"]+)"( selected)?>([^<]+)</option>', select_box[1])
    assert options == [("team-default", " selected", "共通キュー"), ("food", "", "食品")]
    status, page = post(client, "/staff/queues/alpha", queue="food")
    assert status == 200
    assert "次の着信から、alpha shopの電話はキュー「食品」で待ちます" in page
    assert '<option value="food" selected>食品</option>' in page
    status, page = post(client, "/staff/queues/alpha", queue="nowhere")
    assert status == 400
    assert "一覧からキューを選んでください" in page
    with system(app) as session:
        assert session.scalars(select(ShopQueue.queue)).all() == ["food"]
    assert post(client, "/staff/queues/alpha", queue="team-default")[0] == 200
    with system(app) as session:
        assert session.scalars(select(ShopQueue)).all() == []
    moves = [detail for _, detail, _ in audited(app, "shop.queue_changed")]
    assert moves == [{"from": "team-default", "to": "food"}, {"from": "food", "to": "team-default"}]


def skill(app: Flask, user_id: str, queues: list[str]) -> None:
    with system(app) as session:
        user = session.get(User, uuid.UUID(user_id))
        assert user is not None
        rosters.set_skills(user, queues)


def test_a_queue_in_use_is_not_deleted_and_the_message_says_what_to_do(app: Flask) -> None:
    make_shop(app, "alpha")
    operator = make_staff(app, StaffRole.OPERATOR, "op0@answering.example.jp")["user_id"]
    client = supervisor(app)
    create(client, "food", "食品")
    post(client, "/staff/queues/alpha", queue="food")
    skill(app, operator, ["food"])
    with system(app) as session:
        team = Team(name="A班")
        session.add(team)
        session.flush()  # the team's id for its member
        session.add(TeamMember(team_id=team.id, user_id=uuid.UUID(operator)))
    food = row_of(client.get(PAGE).get_data(as_text=True), "food")
    assert "<td>1</td>" in food  # one shop
    assert "operator" in food  # the operator's name

    status, page = post(client, "/staff/queues/food/delete", confirm="yes")
    assert status == 409
    assert "キュー「食品」は使われているため削除できません" in page
    assert "このキューにいるショップ: alpha shop" in page
    assert "別のキューに移してください" in page
    assert "このキューをスキルに持つオペレーター: operator" in page
    assert "スキルから外してください" in page
    links = re.search(r'data-testid="team-links">(.*?)</p>', page, re.S)
    assert links
    assert "/staff/workforce/teams/" in links.group(1)
    assert "A班" in links.group(1)

    post(client, "/staff/queues/alpha", queue="team-default")
    status, page = post(client, "/staff/queues/food/delete", confirm="yes")
    assert status == 409  # the skill still names it
    assert "このキューにいるショップ" not in page
    assert "このキューをスキルに持つオペレーター: operator" in page
    with system(app):
        assert "food" in stored()
    assert audited(app, "queue.deleted") == []

    status, page = post(client, "/staff/queues/team-default/delete", confirm="yes")
    assert status == 409
    assert "共通キューは削除できません" in page
    with system(app):
        assert "team-default" in stored()


def test_an_unused_queue_is_deleted_audited_and_gone_from_the_choices(app: Flask) -> None:
    make_shop(app, "alpha")
    operator = make_staff(app, StaffRole.OPERATOR, "op0@answering.example.jp")["user_id"]
    client = supervisor(app)
    create(client, "food", "食品")
    skill(app, operator, ["food"])
    skill(app, operator, [])  # the skill taken off again
    status, page = post(client, "/staff/queues/food/delete", confirm="yes")
    assert status == 200
    assert "キュー「食品」を削除しました" in page
    assert 'data-key="food"' not in page
    assert '<option value="food"' not in page
    with system(app) as session:
        assert stored() == {"team-default": "共通キュー"}
        assert session.scalars(select(OperatorSkill)).all() == []
    assert audited(app, "queue.deleted") == [
        ("food", {"key": "food", "name": "食品", "closed_shops": "0"}, True)
    ]
    assert post(client, "/staff/queues/food/delete", confirm="yes")[0] == 404
    with system(app) as session:
        user = session.get(User, uuid.UUID(operator))
        assert user is not None
        with pytest.raises(rosters.WorkforceRefused, match="ありません"):
            rosters.set_skills(user, ["food"])  # a deleted queue is no skill to give


def test_operators_and_shop_owners_get_404_supervisors_and_admins_get_the_page(
    app: Flask,
) -> None:
    make_shop(app, "alpha")
    owner = app.test_client()
    log_in(owner, "owner@alpha.example.jp", PASSWORD)
    operator = app.test_client()
    log_in(operator, make_staff(app, StaffRole.OPERATOR)["email"], PASSWORD)
    with system(app) as session:
        session.add(Queue(key="food", name="食品"))
    for client, page in ((operator, "/console"), (owner, "/shops/alpha/")):
        token = csrf_token(client, page)
        assert client.get(PAGE).status_code == 404
        for url, data in (
            (PAGE, {"key": "x", "name": "x"}),
            ("/staff/queues/food/name", {"name": "y"}),
            ("/staff/queues/food/delete", {}),
            ("/staff/queues/alpha", {"queue": "food"}),
        ):
            assert client.post(url, data={**data, "csrf_token": token}).status_code == 404, url
    with system(app):
        assert stored() == {"team-default": "共通キュー", "food": "食品"}
    assert audited(app, "queue.created") == audited(app, "queue.deleted") == []
    assert app.test_client().get(PAGE).status_code == 302  # to the login
    make_staff(app, StaffRole.ADMIN)
    admin = app.test_client()
    log_in(admin, "admin@answering.example.jp", PASSWORD)
    assert admin.get(PAGE).status_code == 200
    assert create(admin, "zakka", "雑貨")[0] == 200


def test_the_command_line_creates_a_queue_that_skills_can_then_name(app: Flask) -> None:
    operator = make_staff(app, StaffRole.OPERATOR, "op0@answering.example.jp")["email"]
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["scheduling", "skills", operator, "bank"])
    assert refused.exit_code != 0
    assert "キュー bank はありません" in refused.output
    made = runner.invoke(args=["scheduling", "create-queue", "bank", "練習用の銀行"])
    assert made.exit_code == 0, made.output
    assert runner.invoke(args=["scheduling", "create-queue", "bank", "別名"]).exit_code != 0
    assert runner.invoke(args=["scheduling", "skills", operator, "bank"]).exit_code == 0
    with system(app):
        assert stored()["bank"] == "練習用の銀行"
    assert audited(app, "queue.created") == [
        ("bank", {"key": "bank", "name": "練習用の銀行"}, False)
    ]


def test_deleting_asks_for_a_ticked_box_and_a_refused_address_leads_back_to_the_list(
    app: Flask,
) -> None:
    client = supervisor(app)
    create(client, "food", "食品")
    page = client.get(PAGE).get_data(as_text=True)
    assert 'name="confirm" value="yes" required' in row_of(page, "food")
    status, page = post(client, "/staff/queues/food/delete")  # the box not ticked
    assert status == 400
    assert "チェックを入れてください" in page
    with system(app):
        assert "food" in stored()
    assert audited(app, "queue.deleted") == []
    # The refused form's address, visited again, is the list (not a 405 page).
    for url in ("/staff/queues/food/delete", "/staff/queues/food/name", "/staff/queues/alpha"):
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        assert response.request.path == PAGE
    status, page = post(client, "/staff/queues/food/name", name="共通キュー")
    assert status == 400
    assert 'action="/staff/queues/food/name#q-food"' in page  # the browser shows the refused row


def section(page: str, section_id: str) -> str:
    found = re.search(rf'<section id="{section_id}">(.*?)</section>', page, re.S)
    assert found, section_id
    return found.group(1)


def test_the_message_after_a_change_is_inside_the_part_the_page_opens_at(app: Flask) -> None:
    make_shop(app, "alpha")
    client = supervisor(app)
    response = client.post(
        PAGE, data={"key": "food", "name": "食品", "csrf_token": csrf_token(client, PAGE)}
    )
    assert response.location.endswith("#queues")
    page = client.get(PAGE).get_data(as_text=True)
    assert "キュー「食品」を作成しました" in section(page, "queues")
    assert page.count("を作成しました") == 1  # not at the top as well
    response = client.post(
        "/staff/queues/food/name",
        data={"name": "食品2", "csrf_token": csrf_token(client, PAGE)},
    )
    assert response.location.endswith("#queues")
    assert "「食品2」に変えました" in section(client.get(PAGE).get_data(as_text=True), "queues")
    response = client.post(
        "/staff/queues/alpha", data={"queue": "food", "csrf_token": csrf_token(client, PAGE)}
    )
    assert response.location.endswith("#shops")
    shops = section(client.get(PAGE).get_data(as_text=True), "shops")
    assert "キュー「食品2」で待ちます" in shops  # quoted like the other messages


@pytest.mark.postgres  # the other supervisor needs a connection of their own, beside the test's
def test_a_name_another_supervisor_took_a_moment_ago_is_refused_by_the_database(
    app: Flask,
) -> None:
    """Two supervisors name two queues 「FOOD」 and 「ＦＯＯＤ」 at the same moment: both pass the
    application's check, the database keeps the first and the second gets the form back."""
    client = supervisor(app)
    raced = []

    elsewhere = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])

    def other_supervisor(session: Session, _context: object, _instances: object) -> None:
        if raced or not any(isinstance(row, Queue) for row in session.new):
            return
        raced.append(True)
        with Session(elsewhere) as other:
            other.add(Queue(key="food", name="FOOD"))
            other.commit()

    event.listen(Session, "before_flush", other_supervisor)
    try:
        status, page = create(client, "food2", "ＦＯＯＤ")
        assert raced
        assert status == 400
        assert "同じキーか名前のキューが、たった今ほかの人によって作成されました" in page
        with system(app):
            assert stored() == {"team-default": "共通キュー", "food": "FOOD"}
    finally:
        event.remove(Session, "before_flush", other_supervisor)
        with elsewhere.begin() as connection:  # committed outside the test's transaction
            connection.execute(delete(Queue).where(Queue.key == "food"))
        elsewhere.dispose()
