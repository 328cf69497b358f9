"""On a call the simulated carrier puts through, the operator clicks Hold (the caller waits in a
hold queue of their own), Resume (their phone rings again and they talk on) and Hang up (the
caller's call ends; the operator is in after-call work with the filing form in front of them)."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from answering import routing
from answering.carrier_views import telephony
from answering.providers import TwilioTelephony
from answering.simulator.carrier import ACCOUNT, SimulatedCarrier
from answering.simulator.people import Caller, Operator
from tenants.config import settings_from
from tenants.models import User
from tests.browser.conftest import log_in_as
from tests.browser.live_calls import demo_answered_around_the_clock, shop_number
from tests.conftest import system

EMAIL = "operator1@answering.example.jp"


@pytest.fixture(scope="module")
def line(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, str, SimulatedCarrier]]:
    """The demo on a real port, the simulated carrier calling it and answering its REST calls,
    and operator 1's phone, which picks up and talks until the call is changed."""
    with demo_answered_around_the_clock("controls", tmp_path_factory.mktemp("controls")) as (
        app,
        base,
    ):
        with system(app) as session:
            operator_id = session.scalars(select(User.id).where(User.email == EMAIL)).one()
        phone = Operator(routing.identity(operator_id), 1.0, random.Random(1), talk_for=1e6)
        carrier = SimulatedCarrier(
            target=base,
            public_base=settings_from(app.config).public_base_url,
            sign=telephony(app).sign,
            operators=[phone],
            scale=0.01,
        )
        token = getattr(telephony(app), "auth_token", "")
        before = app.extensions.get("telephony")
        app.extensions["telephony"] = TwilioTelephony(token, ACCOUNT, carrier.media.url)
        try:
            yield app, base, carrier
        finally:
            for call in list(carrier.live.values()):
                carrier.update_call(call.sid, "hangup", "")
            carrier.close()
            app.extensions["telephony"] = before


def test_hold_resume_and_hang_up_from_the_console(
    line: tuple[Flask, str, SimulatedCarrier], browser: Browser
) -> None:
    app, base, carrier = line
    page = browser.new_page(locale="ja-JP")
    log_in_as(page, base, EMAIL)
    page.goto(f"{base}/console")
    page.get_by_role("button", name="受付可").first.click()
    expect(page.get_by_test_id("my-state")).to_contain_text("受付可")

    caller = Caller(
        number="+819033334444", dialled=shop_number(app), digits="1", patience_s=1e6, message_s=0
    )
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(carrier.place, caller)
        card = page.get_by_test_id("call-card")
        expect(card).to_contain_text("通話中", timeout=15_000)  # picked up: the controls are there
        sid = card.get_attribute("data-call")
        assert sid

        card.get_by_role("button", name="保留", exact=True).click()
        expect(page.get_by_test_id("on-hold")).to_be_visible()
        deadline = time.monotonic() + 10
        while sid not in carrier.queues.get(f"hold-{sid}", []):
            assert time.monotonic() < deadline, "the caller never reached the hold queue"
            time.sleep(0.05)

        page.get_by_role("button", name="保留解除").click()
        expect(page.get_by_test_id("on-hold")).to_have_count(0)
        expect(page.get_by_role("button", name="保留", exact=True)).to_be_visible()
        me = next(iter(carrier.operators))  # operator 1's identity
        deadline = time.monotonic() + 10
        while carrier.live[sid].rings != [me, me]:
            assert time.monotonic() < deadline, "the operator's phone did not ring again"
            time.sleep(0.05)

        page.get_by_role("button", name="切断").click()
        run = running.result(timeout=30)
    assert run.ended
    assert run.talked_to == me
    expect(page.get_by_test_id("my-state")).to_contain_text("後処理")
    expect(page.get_by_test_id("file-message")).to_be_visible()
    log = page.get_by_test_id("control-log")
    expect(log).to_contain_text("保留")
    expect(log).to_contain_text("保留解除")
    expect(log).to_contain_text("切断")
    page.close()
