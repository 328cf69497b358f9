"""In Chromium: an owner paints Saturday's hours on the grid, saves, and sees them kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import log_in_as

pytestmark = pytest.mark.browser


def test_owner_paints_hours_and_saves_them(
    live_server: str, browser: Browser, tmp_path: Path
) -> None:
    page = browser.new_page()
    log_in_as(page, live_server, "owner@kobe-coffee.example.jp")
    page.get_by_role("link", name="対応時間").first.click()
    expect(page.get_by_role("heading", name="対応時間", exact=True)).to_be_visible()

    saturday = page.locator("#day_5")
    saturday.fill("")
    grid = page.locator('.paint[data-day="5"]')
    grid.locator('[data-slot="20"]').hover()
    page.mouse.down()
    grid.locator('[data-slot="23"]').hover()
    page.mouse.up()
    expect(saturday).to_have_value("10:00-12:00")

    page.locator("#day_0").fill("09:00-12:00, 13:00-18:00")
    page.get_by_role("button", name="平日にコピー").first.click()
    expect(page.locator("#day_4")).to_have_value("09:00-12:00, 13:00-18:00")
    expect(page.locator("#day_6")).not_to_have_value("09:00-12:00, 13:00-18:00")
    page.locator("#day_6").fill("10:00-16:00")
    page.get_by_role("button", name="全曜日にコピー").nth(6).click()
    expect(page.locator("#day_0")).to_have_value("10:00-16:00")
    page.locator("#day_0").fill("09:00-12:00, 13:00-18:00")
    page.get_by_role("button", name="平日にコピー").first.click()
    page.locator("#day_6").fill("09:00-21:00")
    page.locator("#day_5").fill("10:00-12:00")
    # Copy one day to any other: Sunday's hours onto Wednesday only.
    page.locator('select.copy-to[data-day="6"]').select_option("2")
    expect(page.locator("#day_2")).to_have_value("09:00-21:00")
    expect(page.locator("#day_1")).to_have_value("09:00-12:00, 13:00-18:00")
    page.locator("#day_2").fill("09:00-12:00, 13:00-18:00")

    page.get_by_role("button", name="新しい版として保存").click()
    expect(page.get_by_text("保存しました。")).to_be_visible()
    expect(page.locator("#day_5")).to_have_value("10:00-12:00")
    expect(page.locator('.paint[data-day="5"] .slot.on')).to_have_count(4)
    page.screenshot(
        path=f"{os.environ.get('SCREENSHOT_DIR', tmp_path)}/coverage.png", full_page=True
    )


def test_typing_an_overlap_shows_the_message_next_to_the_day(
    live_server: str, browser: Browser
) -> None:
    page = browser.new_page()
    log_in_as(page, live_server, "owner@hanako-zakka.example.jp")
    page.goto(f"{live_server}/shops/hanako-zakka/coverage/")
    page.locator("#day_2").fill("09:00-12:00, 11:00-13:00")
    page.get_by_role("button", name="新しい版として保存").click()
    expect(page.get_by_role("alert")).to_contain_text("が重なっています")
