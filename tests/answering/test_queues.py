"""Queues: staff put a shop's calls in a queue of its own; its callers wait there and only
operators skilled for it (or with no skills set) are given its calls. Calls wait under the queue's
key; staff read its name, on the queues page, the wallboard and the reports."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from scheduling.models import ShopQueue
from scheduling.rosters import set_skills
from tenants.coverage.services import today_in_tokyo
from tenants.db import utcnow
from tenants.models import AuditEvent, Shop, StaffRole, User
from tests.answering.call_records import add_call
from tests.answering.test_carrier import incoming, shop_with_number, the_call
from tests.answering.test_routing import hold, leave_queue, ready_operators
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_staff


def supervisor(app: Flask, client: FlaskClient) -> None:
    make_staff(app, StaffRole.SUPERVISOR)
    log_in(client, "supervisor@answering.example.jp", PASSWORD)


def post(client: FlaskClient, url: str, **data: str) -> tuple[int, str]:
    token = csrf_token(client, "/staff/queues/")
    response = client.post(url, data={**data, "csrf_token": token}, follow_redirects=True)
    return response.status_code, response.get_data(as_text=True)


def create(client: FlaskClient, key: str, name: str) -> None:
    assert post(client, "/staff/queues/", key=key, name=name)[0] == 200


def move(client: FlaskClient, queue: str) -> tuple[int, str]:
    return post(client, "/staff/queues/alpha", queue=queue)


def skills(app: Flask, operator_id: uuid.UUID, queues: list[str]) -> None:
    with system(app) as session:
        user = session.get(User, operator_id)
        assert user is not None
        set_skills(user, queues)


def test_a_shop_moved_to_its_own_queue_is_served_by_operators_skilled_for_it(
    app: Flask, client: FlaskClient
) -> None:
    shop_with_number(app)
    b_operator, a_operator = ready_operators(app, 2)  # the B operator has been idle longer
    supervisor(app, client)
    create(client, "A班", "Aチーム")
    create(client, "B班", "Bチーム")
    skills(app, b_operator, ["B班"])
    skills(app, a_operator, ["A班"])
    page = client.get("/staff/queues/").get_data(as_text=True)
    assert "共通キュー" in page  # the shop starts in the shared queue

    incoming(app, client, sid="CA0")  # a call before the move: the shop's setup is now cached
    assert the_call(app, "CA0").queue == "team-default"
    status, page = move(client, "A班")
    assert status == 200
    assert "次の着信から、alpha shopの電話はキュー「Aチーム」で待ちます" in page

    body = incoming(app, client, sid="CA1").get_data(as_text=True)  # type: ignore[attr-defined]
    assert ">A班</Enqueue>" in body  # the carrier gets the key, never the name
    assert the_call(app, "CA1").queue == "A班"
    hold(app, client, "CA1")
    assert the_call(app, "CA1").operator_id == a_operator  # not the longer-idle B operator
    assert str(a_operator) in leave_queue(app, client, "CA1")
    with system(app) as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "shop.queue_changed")
        ).one()
        assert event.detail == {"from": "team-default", "to": "A班"}


def test_renaming_a_queue_changes_no_call_skill_or_route(app: Flask, client: FlaskClient) -> None:
    shop_with_number(app)
    (operator,) = ready_operators(app, 1)
    supervisor(app, client)
    create(client, "A班", "Aチーム")
    skills(app, operator, ["A班"])
    move(client, "A班")
    assert post(client, "/staff/queues/A班/name", name="食品ショップ")[0] == 200
    body = incoming(app, client, sid="CA1").get_data(as_text=True)  # type: ignore[attr-defined]
    assert ">A班</Enqueue>" in body
    hold(app, client, "CA1")
    assert the_call(app, "CA1").operator_id == operator
    with system(app) as session:
        assert session.scalars(select(ShopQueue.queue)).all() == ["A班"]


def test_a_generalist_takes_calls_of_every_queue_and_a_specialist_only_their_own(
    app: Flask, client: FlaskClient
) -> None:
    shop_with_number(app)
    (operator,) = ready_operators(app, 1)
    supervisor(app, client)
    create(client, "A班", "Aチーム")
    create(client, "B班", "Bチーム")
    skills(app, operator, ["B班"])
    move(client, "A班")
    incoming(app, client, sid="CA1")
    hold(app, client, "CA1")
    assert the_call(app, "CA1").operator_id is None  # skilled for B only: the caller waits
    skills(app, operator, [])
    hold(app, client, "CA1")
    assert the_call(app, "CA1").operator_id == operator  # no skills: serves every queue


def test_a_shop_moves_only_to_a_queue_that_exists_and_back_to_the_shared_one(
    app: Flask, client: FlaskClient
) -> None:
    shop_with_number(app)
    supervisor(app, client)
    create(client, "A班", "Aチーム")
    assert move(client, "A班")[0] == 200
    for unknown in ("", "B班", "Aチーム", "共通キュー"):  # names are not keys
        status, page = move(client, unknown)
        assert status == 400, unknown
        assert "一覧からキューを選んでください" in page
    with system(app) as session:
        assert session.scalars(select(ShopQueue.queue)).all() == ["A班"]
    assert move(client, "team-default")[0] == 200
    with system(app) as session:
        assert session.scalars(select(ShopQueue)).all() == []
        assert session.scalars(select(Shop)).one().status == "active"


def test_the_wallboard_and_the_report_name_queues_as_staff_named_them(
    app: Flask, client: FlaskClient
) -> None:
    shop_with_number(app)
    supervisor(app, client)
    create(client, "A班", "Aチーム")
    post(client, "/staff/queues/team-default/name", name="みんなの窓口")
    now = utcnow()
    with system(app) as session:
        shop_id = session.scalars(select(Shop.id)).one()
        add_call(session, shop_id, now - timedelta(seconds=60), "answered", wait=5, talk=30)
        add_call(session, shop_id, now - timedelta(seconds=30), "in_progress", queue="A班")
    board = client.get("/staff/wallboard/board").get_data(as_text=True)
    assert "<td>みんなの窓口" in board
    assert "<td>Aチーム" in board
    assert "team-default" not in board
    lines = {q["key"]: q["name"] for q in client.get("/staff/wallboard.json").get_json()["queues"]}
    assert lines == {"team-default": "みんなの窓口", "A班": "Aチーム"}
    today = today_in_tokyo().isoformat()
    report = f"/staff/reports/answer-rate?from={today}&to={today}&group_by=team"
    html = client.get(report).get_data(as_text=True)
    assert "<td>みんなの窓口</td>" in html
    csv = client.get(report + "&format=csv").get_data(as_text=True)
    assert "みんなの窓口" in csv
    assert "team-default" not in csv


def test_only_supervisors_and_admins_move_shops(app: Flask) -> None:
    shop_with_number(app)
    ready_operators(app, 1)
    operator = app.test_client()
    log_in(operator, "op0@answering.example.jp", PASSWORD)
    assert operator.get("/staff/queues/").status_code == 404
    token = csrf_token(operator, "/console")
    moved = operator.post(
        "/staff/queues/alpha", data={"queue": "team-default", "csrf_token": token}
    )
    assert moved.status_code == 404
    make_staff(app, StaffRole.ADMIN)
    admin = app.test_client()
    log_in(admin, "admin@answering.example.jp", PASSWORD)
    token = csrf_token(admin, "/staff/queues/")
    missing = admin.post("/staff/queues/no-such-shop", data={"queue": "A班", "csrf_token": token})
    assert missing.status_code == 404
