"""In Chromium, a supervisor's day: the wallboard redraws itself as a caller starts waiting, a
report with its charts and its CSV, and a quality review from the sample to the saved scorecard."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from answering import quality
from answering.simulator.scenario import serving
from tenants.coverage.services import TOKYO, today_in_tokyo
from tenants.db import utcnow
from tenants.models import Shop, User
from tenants.storage import store
from tests.answering.call_records import add_call
from tests.browser.conftest import log_in_as, seeded_demo
from tests.conftest import system
from tests.smtp import SmtpStandIn

pytestmark = pytest.mark.browser
SUPERVISOR = "supervisor@answering.example.jp"
LAST_WEEK = quality.week_of(today_in_tokyo()) - timedelta(days=7)


def hanako_call(app: Flask, at: datetime, outcome: str, **fields: Any) -> None:
    with system(app) as session:
        shop = session.scalars(select(Shop).where(Shop.slug == "hanako-zakka")).one()
        add_call(session, shop.id, at, outcome, wait=6, talk=94, **fields)


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, mailbox: SmtpStandIn
) -> Iterator[tuple[Flask, str]]:
    """The demo, with answered and abandoned calls today and last week, on a real port."""
    folder = tmp_path_factory.mktemp("reports")
    with seeded_demo("reports", folder, MAIL_URL=mailbox.url) as app, serving(app) as base:
        _calls_today_and_last_week(app)
        yield app, base


def _calls_today_and_last_week(app: Flask) -> None:
    with system(app) as session:
        operator = session.scalars(
            select(User).where(User.email == "operator1@answering.example.jp")
        ).one()
        operator_id = operator.id
    now = utcnow()
    midnight = datetime.combine(now.astimezone(TOKYO).date(), clock(), TOKYO)
    earlier = max(now - timedelta(minutes=5), midnight + timedelta(seconds=1))
    for outcome in ("answered", "answered", "abandoned"):
        hanako_call(app, earlier, outcome, operator_id=operator_id)
    monday = datetime.combine(LAST_WEEK, clock(10), TOKYO)
    for hours in range(3):
        hanako_call(
            app,
            monday + timedelta(hours=hours),
            "answered",
            operator_id=operator_id,
            recording_key="recordings/silence.mp3",
        )
    # Ten seconds of silent MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz): a file the player
    # can read the length of and seek in.
    store(app).put("recordings/silence.mp3", (b"\xff\xfb\x90\x64" + bytes(413)) * 383)


def until(check: Callable[[], bool], seconds: float = 10) -> bool:
    """Whether `check` comes true within `seconds` (`wait_for_function` would evaluate a string,
    which the pages' content security policy forbids)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_the_wallboard_redraws_itself(
    server: tuple[Flask, str], browser: Browser, tmp_path: Path
) -> None:
    app, base = server
    page = browser.new_page()
    log_in_as(page, base, SUPERVISOR)
    page.goto(f"{base}/staff/wallboard")
    expect(page.get_by_test_id("today-rate")).to_contain_text("66.7 %")
    expect(page.get_by_test_id("today-rate")).to_contain_text("目標未達")
    expect(page.get_by_test_id("waiting")).to_have_text("0")
    hanako_call(app, utcnow() - timedelta(seconds=30), "in_progress")
    expect(page.get_by_test_id("waiting")).to_have_text("1", timeout=12_000)
    page.screenshot(
        path=os.environ.get("SCREENSHOT_DIR", str(tmp_path)) + "/wallboard.png", full_page=True
    )


def test_a_report_with_its_charts_and_csv(
    server: tuple[Flask, str], browser: Browser, tmp_path: Path
) -> None:
    _, base = server
    page = browser.new_page(accept_downloads=True)
    log_in_as(page, base, SUPERVISOR)
    page.get_by_role("link", name="応答率").first.click()
    page.get_by_label("開始日").fill(LAST_WEEK.isoformat())
    page.get_by_label("集計単位").select_option("shop")
    page.get_by_role("button", name="表示").click()
    expect(page.locator('svg[data-chart="answer-rate"]')).to_be_visible()
    expect(page.locator('svg[data-chart="offered-answered"] rect').first).to_be_attached()
    expect(page.get_by_test_id("report")).to_contain_text("はなこ雑貨店")
    expect(page.get_by_test_id("definitions")).to_contain_text("応答数 ÷ 着信数")
    page.screenshot(
        path=os.environ.get("SCREENSHOT_DIR", str(tmp_path)) + "/report.png", full_page=True
    )
    with page.expect_download() as download:
        page.get_by_test_id("csv").click()
    saved = tmp_path / "report.csv"
    download.value.save_as(saved)
    content = saved.read_bytes()
    assert content.startswith("\ufeffショップ,着信数,応対済み".encode())
    assert "はなこ雑貨店,6,5".encode() in content


def test_a_quality_review_from_sample_to_scorecard(
    server: tuple[Flask, str], browser: Browser, tmp_path: Path
) -> None:
    _, base = server
    page = browser.new_page()
    log_in_as(page, base, SUPERVISOR)
    page.goto(f"{base}/staff/quality/")
    page.get_by_label("オペレーターごとの週次抽出件数").fill("2")
    page.get_by_role("button", name="保存", exact=True).click()
    page.locator("form", has_text="この週を今すぐ抽出").get_by_label("週の初日").fill(
        LAST_WEEK.isoformat()
    )
    page.get_by_role("button", name="この週を今すぐ抽出").click()
    expect(page.get_by_text("2件を評価リストに追加しました。")).to_be_visible()
    page.get_by_role("link", name="評価する").first.click()
    page.set_viewport_size({"width": 390, "height": 844})  # on a phone, the page stays put
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})
    player = page.get_by_test_id("recording")
    assert until(lambda: player.evaluate("audio => audio.duration") > 9)
    player.evaluate("audio => { audio.currentTime = 8; }")
    assert until(lambda: player.evaluate("audio => audio.currentTime") >= 8)
    for row in page.get_by_test_id("scorecard").locator("tbody tr").all():
        row.get_by_role("radio").first.check()
    page.get_by_label("コーチングメモ").fill("第一声がとても明るいです")
    page.screenshot(
        path=os.environ.get("SCREENSHOT_DIR", str(tmp_path)) + "/review.png", full_page=True
    )
    page.get_by_role("button", name="評価を保存").click()
    expect(page.get_by_text("評価を保存しました：100.0")).to_be_visible()
    operator = browser.new_page()
    log_in_as(operator, base, "operator1@answering.example.jp")
    operator.get_by_role("link", name="自分の評価").click()
    expect(operator.get_by_test_id("evaluation")).to_contain_text("第一声がとても明るいです")


def test_a_call_record_found_opened_and_played_on_a_phone(
    server: tuple[Flask, str], browser: Browser
) -> None:
    """The supervisor narrows the call records to last week's answered calls, opens one on a
    390 px screen (the page stays put) and seeks in its recording."""
    _, base = server
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in_as(page, base, SUPERVISOR)
    page.goto(f"{base}/staff/calls/")
    form = page.get_by_role("search")
    form.get_by_label("結果").select_option(label="応対済み")
    form.locator("input[name=from]").fill(LAST_WEEK.isoformat())
    form.locator("input[name=to]").fill(LAST_WEEK.isoformat())
    form.get_by_role("button").click()
    rows = page.get_by_test_id("call-row")
    expect(rows).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    rows.first.get_by_role("link").click()
    expect(page.get_by_test_id("call-facts")).to_contain_text("応対済み")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    player = page.get_by_test_id("recording")
    assert until(lambda: player.evaluate("audio => audio.duration") > 9)
    player.evaluate("audio => { audio.currentTime = 5; }")
    assert until(lambda: player.evaluate("audio => audio.currentTime") >= 5)
    context.close()


def test_the_operators_board_asks_for_a_reason_only_for_a_break(
    server: tuple[Flask, str], browser: Browser
) -> None:
    _, base = server
    page = browser.new_page()
    log_in_as(page, base, SUPERVISOR)
    page.goto(f"{base}/staff/operators")
    row = page.get_by_test_id("board").locator("tbody tr").first
    state, reason = row.locator("select[name=state]"), row.locator("select[name=reason]")
    expect(reason).to_be_disabled()
    state.select_option("break")
    expect(reason).to_be_enabled()
    row.get_by_role("button").click()  # no reason yet: the browser holds the form back
    expect(page).to_have_url(f"{base}/staff/operators")
    assert row.locator("select[name=reason]:invalid").count() == 1
    reason.select_option("training")
    state.select_option("ready")
    expect(reason).to_be_disabled()
    expect(reason).to_have_value("")
    state.select_option("break")
    reason.select_option("training")
    row.get_by_role("button").click()
    expect(page.get_by_test_id("board").locator("tbody tr").first).to_contain_text("離席（研修）")
