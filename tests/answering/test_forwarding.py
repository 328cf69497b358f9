""" "Call this number now": the carrier dials the shop's own number from the number it rents; if the
forwarding is set up, the call comes back to us and the page says so; if not, it says that."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from answering.carrier_views import telephony
from answering.providers import TwilioTelephony
from answering.simulator.carrier import ACCOUNT, SimulatedCarrier
from answering.simulator.scenario import serving
from tenants.models import StaffRole
from tenants.numbers.models import PhoneNumber
from tests.answering.test_carrier import shop_with_number
from tests.conftest import build_app, csrf_token, fresh_database_url, log_in, migrate, system
from tests.factories import PASSWORD, make_staff

PAGE = "/shops/alpha/numbers/forwarding-check"


@pytest.fixture(scope="module")
def carrier_and_app(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Flask, SimulatedCarrier]]:
    from tenants.db import db

    app = build_app(fresh_database_url("forwarding", tmp_path_factory.mktemp("fwd")))
    migrate(app)
    shop_with_number(app)
    with serving(app) as target:
        token = getattr(telephony(app), "auth_token", "")
        carrier = SimulatedCarrier(
            target=target,
            public_base="http://localhost",
            sign=telephony(app).sign,
            operators=[],
            scale=0.01,
        )
        carrier.forwarding["+81312345678"] = "+81345000001"  # the shop's number forwards to us
        app.extensions["telephony"] = TwilioTelephony(token, ACCOUNT, carrier.media.url)
        yield app, carrier
        carrier.close()
    with app.app_context():
        db.engine.dispose()


def owner(app: Flask) -> FlaskClient:
    client = app.test_client()
    log_in(client, "owner@alpha.example.jp", PASSWORD)
    return client


def result_after_check(client: FlaskClient, number: str) -> str:
    started = client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), "number": number})
    assert started.status_code == 302
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        page = client.get(PAGE).get_data(as_text=True)
        if 'data-testid="forwarding-result"' in page and "refresh" not in page:
            return page
        time.sleep(0.2)
    raise AssertionError("the check never finished")


def test_a_forwarded_number_brings_the_test_call_back(
    carrier_and_app: tuple[Flask, SimulatedCarrier],
) -> None:
    app, _ = carrier_and_app
    page = result_after_check(owner(app), "03-1234-5678")
    assert "03-1234-5678 → 03-4500-0001" in page
    assert "転送は正しく動いています" in page


def test_a_number_that_does_not_forward_is_said_so(
    carrier_and_app: tuple[Flask, SimulatedCarrier],
) -> None:
    app, _ = carrier_and_app
    page = result_after_check(owner(app), "03-9999-0000")
    assert "転送が設定されていません" in page


def test_bad_numbers_are_refused_with_a_reason(
    carrier_and_app: tuple[Flask, SimulatedCarrier],
) -> None:
    app, _ = carrier_and_app
    client = owner(app)
    for number, reason in (
        ("abc", "03-1234-5678 のように"),
        ("03-4500-0001", "ご契約中の番号です"),
    ):
        refused = client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), "number": number})
        assert refused.status_code == 400
        assert reason in refused.get_data(as_text=True)


def test_numbers_are_bought_through_the_carrier_into_the_pool(
    carrier_and_app: tuple[Flask, SimulatedCarrier],
) -> None:
    app, carrier = carrier_and_app
    runner = app.test_cli_runner()
    local = runner.invoke(args=["answering", "buy-number", "--area", "03", "--count", "2"])
    assert local.exit_code == 0, local.output
    assert local.stdout.count("bought and added to the pool") == 2
    free = runner.invoke(args=["answering", "buy-number", "--toll-free", "--kind", "fax"])
    assert free.exit_code == 0, free.output
    assert "0120-" in free.stdout
    with system(app) as session:
        bought = session.scalars(
            select(PhoneNumber).where(PhoneNumber.carrier_sid.is_not(None))
        ).all()
        assert len(bought) == 3
        assert {n.line_type for n in bought} == {"geographic", "toll_free"}
        assert all(n.status == "available" for n in bought)
    # The carrier points each at our webhooks (calls to a phone, faxes to a fax number), asking
    # for retries as our TwiML's URLs do.
    assert sorted(carrier.owned.values()) == [
        "http://localhost/carrier/fax#rc=3&rp=all",
        "http://localhost/carrier/twilio/voice#rc=3&rp=all",
        "http://localhost/carrier/twilio/voice#rc=3&rp=all",
    ]
    wrong = runner.invoke(args=["answering", "buy-number", "--area", "3a"])
    assert wrong.exit_code == 2
    assert "03" in wrong.output


def test_an_admin_buys_a_number_from_the_pool_page(
    carrier_and_app: tuple[Flask, SimulatedCarrier],
) -> None:
    app, _ = carrier_and_app
    make_staff(app, StaffRole.ADMIN, "admin@answering.example.jp")
    admin = app.test_client()
    log_in(admin, "admin@answering.example.jp", PASSWORD)
    token = csrf_token(admin, "/staff/numbers")
    data = {"csrf_token": token, "kind": "phone", "line": "geographic", "area": "06", "count": "1"}
    bought = admin.post("/staff/numbers/buy", data=data, follow_redirects=True)
    page = bought.get_data(as_text=True)
    assert "購入して番号プールに追加しました: 06-" in page
    refused = admin.post(
        "/staff/numbers/buy", data={**data, "area": "6x"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "市外局番は03や06のように" in refused
    shop_owner = owner(app)
    own_token = csrf_token(shop_owner, "/shops/alpha/")
    assert (
        shop_owner.post("/staff/numbers/buy", data={**data, "csrf_token": own_token}).status_code
        == 404
    )
