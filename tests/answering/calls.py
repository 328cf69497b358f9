"""Two shops with numbers and published scripts, and calls routed to an operator and answered, in
the carrier's own contract (signed posts), for the tests of filing, delivery and callbacks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from answering.models import Call, Message
from scheduling.models import OperatorState
from tenants.coverage import services as coverage
from tenants.db import utcnow
from tenants.models import Shop, StaffRole
from tenants.numbers import services as numbers
from tenants.scripts import services as scripts
from tests.answering.carrier import post
from tests.answering.test_routing import leave_queue, leg_url, stamp
from tests.conftest import log_in, system
from tests.factories import PASSWORD, make_shop, make_staff

NUMBERS = {"alpha": "+81345000001", "beta": "+81345000002"}
SCRIPT: dict[str, Any] = {
    "greeting": "お電話ありがとうございます。アルファ商店です。",
    "menu": [
        {"key": 1, "label": "ご注文・配送について", "category": "order"},
        {"key": 2, "label": "返品・交換について", "category": "return"},
    ],
    "escalation": {"keywords": ["破損", "返金"], "categories": ["return"]},
    "message_fields": [
        {"key": "name", "label": "お名前", "type": "text", "required": True},
        {"key": "order_number", "label": "注文番号", "type": "text", "required": False},
        {"key": "phone", "label": "連絡先", "type": "tel", "required": False},
    ],
}


@dataclass(frozen=True)
class Shops:
    alpha: dict[str, str]
    beta: dict[str, str]


def two_shops(app: Flask, **settings: Any) -> Shops:
    """Shops alpha and beta, answered around the clock, each with a number and a published script."""
    made = {slug: make_shop(app, slug) for slug in NUMBERS}
    with system(app) as session:
        for index, (slug, e164) in enumerate(NUMBERS.items()):
            shop = session.scalars(select(Shop).where(Shop.slug == slug)).one()
            number = numbers.add_to_pool(f"03-4500-000{index + 1}", kind="phone")
            session.flush()
            numbers.rent(shop, number.id, actor=None, ip=None)
            week = {d: "00:00-24:00" for d in range(7)}
            coverage.save_version(shop, None, coverage.WeekInput(week, "as_weekday", "", None))
            scripts.replace_draft(shop, SCRIPT)
            scripts.publish(shop, None)
            assert e164
    return Shops(made["alpha"], made["beta"])


def operator(app: Flask, email: str = "op@answering.example.jp") -> tuple[uuid.UUID, FlaskClient]:
    """A ready operator, logged in on their own client."""
    made = make_staff(app, StaffRole.OPERATOR, email)
    operator_id = uuid.UUID(made["user_id"])
    with system(app) as session:
        session.add(
            OperatorState(
                operator_id=operator_id, state="ready", since=utcnow() - timedelta(minutes=5)
            )
        )
    client = app.test_client()
    log_in(client, email, PASSWORD)
    return operator_id, client


def answered_call(
    app: Flask,
    carrier: FlaskClient,
    sid: str = "CA1",
    shop: str = "alpha",
    digit: str = "1",
    end: bool = True,
) -> None:
    """A caller of the shop chooses a menu option, is put through to the ready operator who picks
    up; with `end`, both hung up 12 s ago (the operator is in after-call work)."""
    call = {"CallSid": sid, "From": "+819012345678", "To": NUMBERS[shop]}
    post(app, carrier, "/carrier/twilio/voice", {**call, "CallStatus": "ringing"})
    post(app, carrier, "/carrier/twilio/menu", {**call, "Digits": digit})
    post(
        app,
        carrier,
        "/carrier/twilio/wait",
        {"CallSid": sid, "QueuePosition": "1", "QueueTime": "0"},
    )
    dial = leave_queue(app, carrier, sid)
    leg = leg_url("statusCallback", dial)
    post(
        app,
        carrier,
        leg,
        {"CallSid": f"L{sid}", "CallStatus": "in-progress", "Timestamp": stamp(-70)},
    )
    if not end:
        return
    post(
        app,
        carrier,
        leg,
        {
            "CallSid": f"L{sid}",
            "CallStatus": "completed",
            "Timestamp": stamp(-13),
            "CallDuration": "57",
        },
    )
    post(
        app,
        carrier,
        "/carrier/twilio/status",
        {"CallSid": sid, "CallStatus": "completed", "CallDuration": "70", "Timestamp": stamp(-12)},
    )


def the_call(app: Flask, sid: str = "CA1") -> Call:
    with system(app) as session:
        call = session.scalars(select(Call).where(Call.call_sid == sid)).one()
        session.expunge(call)
        return call


def messages_of(app: Flask, slug: str) -> list[Message]:
    with system(app) as session:
        rows = session.scalars(
            select(Message).join(Shop, Shop.id == Message.shop_id).where(Shop.slug == slug)
        ).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


FORM = {"disposition": "order_delivery", "field_name": "山田 太郎", "body": "発送予定日を知りたい"}


def file(client: FlaskClient, sid: str = "CA1", **data: str) -> Any:
    from tests.conftest import csrf_token

    form = {**FORM, **data}
    return client.post(
        f"/console/calls/{sid}/message",
        data={
            **{k: v for k, v in form.items() if v is not None},
            "csrf_token": csrf_token(client, "/console"),
        },
    )
