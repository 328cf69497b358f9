"""Queues: staff put a shop's calls in a queue of its own; its callers wait there and only
operators skilled for it (or with no skills set) are given its calls."""

from __future__ import annotations

import uuid

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from scheduling.models import ShopQueue
from scheduling.rosters import set_skills
from tenants.models import AuditEvent, Shop, StaffRole, User
from tests.answering.test_carrier import incoming, shop_with_number, the_call
from tests.answering.test_routing import hold, leave_queue, ready_operators
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_staff


def supervisor(app: Flask, client: FlaskClient) -> None:
    make_staff(app, StaffRole.SUPERVISOR)
    log_in(client, "supervisor@answering.example.jp", PASSWORD)


def move(client: FlaskClient, queue: str) -> tuple[int, str]:
    response = client.post(
        "/staff/queues/alpha",
        data={"queue": queue, "csrf_token": csrf_token(client, "/staff/queues/")},
        follow_redirects=True,
    )
    return response.status_code, response.get_data(as_text=True)


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
    skills(app, b_operator, ["B班"])
    skills(app, a_operator, ["A班"])
    supervisor(app, client)
    page = client.get("/staff/queues/").get_data(as_text=True)
    assert "共通キュー" in page  # the shop starts in the shared queue

    incoming(app, client, sid="CA0")  # a call before the move: the shop's setup is now cached
    assert the_call(app, "CA0").queue == "team-default"
    status, page = move(client, "A班")
    assert status == 200
    assert "A班" in page

    body = incoming(app, client, sid="CA1").get_data(as_text=True)  # type: ignore[attr-defined]
    assert ">A班</Enqueue>" in body
    assert the_call(app, "CA1").queue == "A班"
    hold(app, client, "CA1")
    assert the_call(app, "CA1").operator_id == a_operator  # not the longer-idle B operator
    assert str(a_operator) in leave_queue(app, client, "CA1")
    with system(app) as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "shop.queue_changed")
        ).one()
        assert event.detail == {"from": "team-default", "to": "A班"}


def test_a_generalist_takes_calls_of_every_queue_and_a_specialist_only_their_own(
    app: Flask, client: FlaskClient
) -> None:
    shop_with_number(app)
    (operator,) = ready_operators(app, 1)
    skills(app, operator, ["B班"])
    supervisor(app, client)
    move(client, "A班")
    incoming(app, client, sid="CA1")
    hold(app, client, "CA1")
    assert the_call(app, "CA1").operator_id is None  # skilled for B only: the caller waits
    skills(app, operator, [])
    hold(app, client, "CA1")
    assert the_call(app, "CA1").operator_id == operator  # no skills: serves every queue


def test_bad_queue_names_are_refused_and_the_shared_queue_removes_the_row(
    app: Flask, client: FlaskClient
) -> None:
    shop_with_number(app)
    supervisor(app, client)
    assert move(client, "A班")[0] == 200
    for bad in ("", "A 班", "a/b", "x" * 41, "<script>"):
        status, page = move(client, bad)
        assert status == 400, bad
        assert "40" in page  # the message says what a name may be
    with system(app) as session:
        assert session.scalars(select(ShopQueue.queue)).all() == ["A班"]
    status, page = move(client, "a b")
    assert 'value="a b"' in page  # what was typed stays in the box
    assert move(client, "共通キュー")[0] == 200  # the shared queue by the name the page shows
    with system(app) as session:
        assert session.scalars(select(ShopQueue)).all() == []
    move(client, "A班")
    assert move(client, "team-default")[0] == 200
    with system(app) as session:
        assert session.scalars(select(ShopQueue)).all() == []
        assert session.scalars(select(Shop)).one().status == "active"


def test_only_supervisors_and_admins_move_shops(app: Flask, client: FlaskClient) -> None:
    shop_with_number(app)
    ready_operators(app, 1)
    log_in(client, "op0@answering.example.jp", PASSWORD)
    assert client.get("/staff/queues/").status_code in (403, 404)
    assert client.post("/staff/queues/alpha", data={"queue": "A班"}).status_code in (400, 403, 404)
    supervisor(app, app.test_client())
    other = app.test_client()
    make_staff(app, StaffRole.ADMIN)
    log_in(other, "admin@answering.example.jp", PASSWORD)
    token = csrf_token(other, "/staff/queues/")
    missing = other.post("/staff/queues/no-such-shop", data={"queue": "A班", "csrf_token": token})
    assert missing.status_code == 404
