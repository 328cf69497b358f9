"""Operators choose where their calls ring: the browser phone, a phone number or a SIP address; the
carrier is told to dial that, with the same whisper, recording and leg callbacks."""

from __future__ import annotations

import uuid

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from answering.models import Call, OperatorPhone
from answering.simulator.scenario import Plan, run
from tenants.models import AuditEvent, StaffRole, User
from tests.answering.test_carrier import incoming
from tests.answering.test_routing import hold, leave_queue, ready_operators
from tests.answering.test_simulation import sim_app  # noqa: F401 - the simulation's application
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_shop, make_staff

PAGE = "/console/phone"


def choose(client: FlaskClient, kind: str, **addresses: str) -> tuple[int, str]:
    form = {"kind": kind, "csrf_token": csrf_token(client, PAGE)}
    form.update({f"address_{name}": value for name, value in addresses.items()})
    response = client.post(PAGE, data=form, follow_redirects=True)
    return response.status_code, response.get_data(as_text=True)


def stored(app: Flask, operator_id: uuid.UUID) -> tuple[str, str] | None:
    with system(app) as session:
        row = session.get(OperatorPhone, operator_id)
        return None if row is None else (row.kind, row.address)


def test_an_operator_chooses_a_number_or_sip_address_and_the_carrier_dials_it(
    app: Flask, client: FlaskClient
) -> None:
    from tests.answering.test_carrier import shop_with_number

    shop_with_number(app)
    (operator_id,) = ready_operators(app, 1)
    log_in(client, "op0@answering.example.jp", PASSWORD)

    page = client.get(PAGE).get_data(as_text=True)
    assert "着信先の設定" in page  # Japanese by default
    status, page = choose(client, "number", number="090-1234-5678")
    assert status == 200
    assert stored(app, operator_id) == ("number", "+819012345678")
    assert 'value="090-1234-5678"' in page  # shown back as dialled in Japan

    incoming(app, client, sid="CA1")
    hold(app, client, "CA1")
    dial = leave_queue(app, client, "CA1")
    assert "<Number" in dial
    assert ">+819012345678</Number>" in dial
    assert "/carrier/twilio/whisper?" in dial
    assert "/carrier/twilio/leg?" in dial
    assert 'record="record-from-answer-dual"' in dial

    assert choose(client, "sip", sip="sip:op0@pbx.example.jp;transport=tls")[0] == 200
    assert stored(app, operator_id) == ("sip", "sip:op0@pbx.example.jp;transport=tls")
    assert choose(client, "browser")[0] == 200
    assert stored(app, operator_id) is None
    with system(app) as session:
        changes = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "operator.phone_changed")
        ).all()
        assert [event.detail["kind"] for event in changes] == ["number", "sip", "browser"]


def test_wrong_addresses_are_refused_with_a_message_and_change_nothing(
    app: Flask, client: FlaskClient
) -> None:
    (operator_id,) = ready_operators(app, 1)
    log_in(client, "op0@answering.example.jp", PASSWORD)
    assert choose(client, "number", number="090-1234-5678")[0] == 200
    for kind, addresses in (
        ("number", {"number": "12345"}),
        ("number", {"number": "090-1234-5678<script>"}),
        ("sip", {"sip": "http://pbx.example.jp/"}),
        ("sip", {"sip": "sip:@pbx.example.jp"}),
        ("sip", {"sip": "sip:op0@pbx.example.jp\r\nX-Evil: 1"}),
        ("telepathy", {}),
    ):
        status, page = choose(client, kind, **addresses)
        assert status == 400, (kind, addresses)
        assert 'class="error"' in page
        if kind in ("number", "sip"):  # the message sits under the field it is about
            fields = [page.index('id="address_number"'), page.index('id="address_sip"')]
            error = page.index('class="error"')
            assert (fields[0] < error < fields[1]) == (kind == "number")
        assert "<script>" not in page.split("</header>", 1)[1]
    assert stored(app, operator_id) == ("number", "+819012345678")


def test_only_operators_reach_the_page(app: Flask, client: FlaskClient) -> None:
    make_shop(app, "alpha")
    assert client.get(PAGE).status_code in (302, 401)
    make_staff(app, StaffRole.ADMIN)
    log_in(client, "admin@answering.example.jp", PASSWORD)
    assert client.get(PAGE).status_code in (403, 404)


def test_simulated_operators_answer_on_a_number_and_a_sip_address(
    sim_app: Flask,  # noqa: F811
) -> None:
    from answering import operator_phones

    plan = Plan(calls=12, concurrency=4, operators=3, scale=0.004, seed=11)
    run(sim_app, Plan(calls=1, concurrency=1, operators=3, scale=0.004, seed=1))  # makes them
    with system(sim_app) as session:
        operators = session.scalars(
            select(User).where(User.email.like("sim-operator-%")).order_by(User.email)
        ).all()[:2]
        for user, (kind, address) in zip(
            operators,
            (("number", "090-1111-2222"), ("sip", "sip:sim2@pbx.example.jp")),
            strict=True,
        ):
            operator_phones.set_phone(user, kind, address, actor=user, ip=None)
        ids = {user.id for user in operators}
    report = run(sim_app, plan)
    assert report.incomplete == []  # each answered call names the operator whose phone rang
    assert report.double_booked == 0
    with system(sim_app) as session:
        answered_by = set(
            session.scalars(select(Call.operator_id).where(Call.outcome == "answered")).all()
        )
    assert answered_by & ids  # the number's and the SIP address's owners took calls
