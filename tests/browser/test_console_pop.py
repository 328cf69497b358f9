"""An operator goes ready, a simulated call for one shop arrives, and the console pops that shop's
card (its greeting and FAQ, never the other shop's); the FAQ is searched in half-width katakana and
the entry opened is counted as an FAQ hit."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from answering.faq_hit_models import FaqHit
from tests.browser.conftest import log_in_as
from tests.browser.live_calls import demo_answered_around_the_clock, put_through, shop_number
from tests.conftest import system


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, str]]:
    with demo_answered_around_the_clock("console", tmp_path_factory.mktemp("console")) as made:
        yield made


def test_the_console_pops_the_right_shop_and_finds_half_width_katakana(
    served: tuple[Flask, str], browser: Browser
) -> None:
    app, base = served
    number = shop_number(app)
    page = browser.new_page(locale="ja-JP")
    log_in_as(page, base, "operator1@answering.example.jp")
    page.goto(f"{base}/console")
    page.get_by_role("button", name="受付可").first.click()
    expect(page.get_by_test_id("my-state")).to_contain_text("受付可")

    call = {"CallSid": "CA" + "1" * 32, "From": "+819011112222", "To": number}
    routed = put_through(app, base, call)

    card = page.get_by_test_id("call-card")
    expect(card).to_be_visible(timeout=3000)
    popped = time.monotonic() - routed
    # The state line redrawn by the poll keeps since when, as the page printed it.
    expect(page.get_by_test_id("my-state")).to_have_text(
        re.compile(r"^通話中 — \d{1,2}:\d{2} から$")
    )
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
    # opening the entry counts it for the shop's monthly "most asked", without a page load
    results.get_by_text("キッチンクロスは縮みますか？").click()
    expect(results.locator("details[open]")).to_have_count(1)
    deadline = time.monotonic() + 10
    while opened(app) != ["キッチンクロスは縮みますか？"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert opened(app) == ["キッチンクロスは縮みますか？"]
    page.close()


def opened(app: Flask) -> list[str]:
    """The FAQ entries and products counted as opened, on every shop."""
    with system(app) as session:
        return list(session.scalars(select(FaqHit.label)))
