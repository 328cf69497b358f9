"""For browser tests of live calls: the demo served on a real port with はなこ雑貨店 answered around
the clock, and the carrier's part played by signed posts to that server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from flask import Flask
from sqlalchemy import select

from answering.carrier_views import telephony
from answering.simulator.scenario import serving
from tenants.coverage import services as coverage
from tenants.models import Shop
from tenants.numbers.models import PhoneNumber
from tests.browser.conftest import seeded_demo
from tests.conftest import system

SHOP = "hanako-zakka"


@contextmanager
def demo_answered_around_the_clock(
    name: str, folder: Any, **overrides: Any
) -> Iterator[tuple[Flask, str]]:
    """The seeded demo on its own database and port; はなこ雑貨店 is covered whatever the hour."""
    with seeded_demo(name, folder, **overrides) as app:
        with system(app) as session:
            shop = session.scalars(select(Shop).where(Shop.slug == SHOP)).one()
            week = {day: "00:00-24:00" for day in range(7)}
            coverage.save_version(shop, None, coverage.WeekInput(week, "as_weekday", "", None))
        with serving(app) as base:
            yield app, base


def shop_number(app: Flask) -> str:
    with system(app) as session:
        return str(
            session.scalars(
                select(PhoneNumber.e164)
                .join(Shop, Shop.id == PhoneNumber.rented_by_shop_id)
                .where(Shop.slug == SHOP, PhoneNumber.kind == "phone")
            ).one()
        )


def carrier_post(app: Flask, base: str, path: str, params: dict[str, str]) -> str:
    """What the carrier does: sign for the public URL, post to the server."""
    signature = telephony(app).sign("http://localhost" + path, params)
    response = requests.post(
        base + path, data=params, headers={"X-Twilio-Signature": signature}, timeout=10
    )
    response.raise_for_status()
    return response.text


def put_through(app: Flask, base: str, call: dict[str, str]) -> float:
    """A caller rings, picks menu option 1 and is given to the ready operator; returns when the
    hold round that routes the call was sent (the route decision), on the monotonic clock."""
    carrier_post(app, base, "/carrier/twilio/voice", {**call, "CallStatus": "ringing"})
    carrier_post(app, base, "/carrier/twilio/menu", {**call, "Digits": "1"})
    decided = time.monotonic()
    routed = carrier_post(
        app, base, "/carrier/twilio/wait", {**call, "QueuePosition": "1", "QueueTime": "0"}
    )
    assert "<Leave />" in routed
    return decided
