"""An operator goes ready, a simulated call for one shop arrives, and the console pops that shop's
card (its greeting and FAQ, never the other shop's); the FAQ is searched in half-width katakana."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import requests
from flask import Flask
from playwright.sync_api import Browser, expect
from sqlalchemy import select
from werkzeug.serving import make_server

from answering.carrier_views import telephony
from tenants.coverage import services as coverage
from tenants.models import Shop
from tenants.numbers.models import PhoneNumber
from tests.browser.conftest import log_in_as
from tests.conftest import build_app, fresh_database_url, migrate, system


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, str]]:
    """The demo on a real port, はなこ雑貨店 answered around the clock (whatever the hour now)."""
    from tenants.db import db

    app = build_app(fresh_database_url("console", tmp_path_factory.mktemp("console")))
    migrate(app)
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    with system(app) as session:
        shop = session.scalars(select(Shop).where(Shop.slug == "hanako-zakka")).one()
        week = {day: "00:00-24:00" for day in range(7)}
        coverage.save_version(shop, None, coverage.WeekInput(week, "as_weekday", "", None))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


def carrier_post(app: Flask, base: str, path: str, params: dict[str, str]) -> str:
    """What the carrier does: sign for the public URL, post to the server."""
    signature = telephony(app).sign("http://localhost" + path, params)
    response = requests.post(
        base + path, data=params, headers={"X-Twilio-Signature": signature}, timeout=10
    )
    response.raise_for_status()
    return response.text


def test_the_console_pops_the_right_shop_and_finds_half_width_katakana(
    served: tuple[Flask, str], browser: Browser
) -> None:
    app, base = served
    with system(app) as session:
        number = session.scalars(
            select(PhoneNumber.e164)
            .join(Shop, Shop.id == PhoneNumber.rented_by_shop_id)
            .where(Shop.slug == "hanako-zakka", PhoneNumber.kind == "phone")
        ).one()
    page = browser.new_page(locale="ja-JP")
    log_in_as(page, base, "operator1@answering.example.jp")
    page.goto(f"{base}/console")
    page.get_by_role("button", name="受付可").first.click()
    expect(page.get_by_test_id("my-state")).to_contain_text("受付可")

    call = {"CallSid": "CA" + "1" * 32, "From": "+819011112222", "To": number}
    carrier_post(app, base, "/carrier/twilio/voice", {**call, "CallStatus": "ringing"})
    carrier_post(app, base, "/carrier/twilio/menu", {**call, "Digits": "1"})
    routed = time.monotonic()
    assert "<Leave />" in carrier_post(
        app, base, "/carrier/twilio/wait", {**call, "QueuePosition": "1", "QueueTime": "0"}
    )

    card = page.get_by_test_id("call-card")
    expect(card).to_be_visible(timeout=3000)
    popped = time.monotonic() - routed
    expect(card.get_by_test_id("greeting")).to_have_text(
        "お電話ありがとうございます。はなこ雑貨店でございます。"
    )
    expect(card).to_contain_text("ご注文・配送について")  # the caller's menu choice
    expect(card).to_contain_text("090-1111-2222")
    expect(card).to_contain_text("送料はいくらですか？")
    expect(card).not_to_contain_text("神戸珈琲焙煎所")
    print(f"console popped {popped * 1000:.0f} ms after the route decision")

    card.get_by_role("searchbox").fill("ｷｯﾁﾝｸﾛｽ")
    card.get_by_role("button", name="検索").click()
    results = page.get_by_test_id("search-results")
    expect(results).to_contain_text("キッチンクロスは縮みますか？")
    expect(results).not_to_contain_text("送料はいくらですか？")
    page.close()
