"""On a 390 px wide phone, the supervisor's and the shop owner's pages never scroll sideways: wide
tables scroll inside their own box and form controls fit their card."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import log_in_as

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def page_width(page: Page, url: str) -> int:
    response = page.goto(url)
    assert response is not None, url
    assert response.ok, url
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


def widths(browser: Browser, base: str, email: str, paths: list[str]) -> dict[str, int]:
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        log_in_as(page, base, email)
        if "TEAM" in paths:
            page.goto(f"{base}/staff/workforce/")
            team = page.locator("a[href*='/staff/workforce/teams/']").first.get_attribute("href")
            assert team
            paths = [team if path == "TEAM" else path for path in paths]
        return {path: page_width(page, base + path) for path in paths}
    finally:
        context.close()


def test_pages_fit_a_phone_screen(live_server: str, browser: Browser) -> None:
    measured = widths(
        browser,
        live_server,
        "supervisor@answering.example.jp",
        [
            "/staff/",
            "TEAM",
            "/staff/queues/",
            "/staff/quality/criteria",
            "/staff/operators",
            "/staff/wallboard",
            "/staff/reports/answer-rate",
            "/staff/quality/",
            "/staff/calls/",
        ],
    )
    measured |= widths(browser, live_server, "admin@answering.example.jp", ["/staff/audit"])
    measured |= widths(
        browser,
        live_server,
        "owner@hanako-zakka.example.jp",
        [
            "/shops/hanako-zakka/notifications/",
            "/shops/hanako-zakka/billing/",
            "/shops/hanako-zakka/calls/",
            "/shops/hanako-zakka/messages/",
            "/shops/hanako-zakka/faxes/",
            "/shops/hanako-zakka/reports/",
            "/shops/hanako-zakka/reports/monthly",
        ],
    )
    too_wide = {path: width for path, width in measured.items() if width > PHONE["width"]}
    assert too_wide == {}
    assert len(measured) == 17


def test_the_menu_folds_away_on_a_phone(live_server: str, browser: Browser) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    log_in_as(page, live_server, "supervisor@answering.example.jp")
    page.goto(f"{live_server}/staff/")
    queues = page.get_by_role("navigation").get_by_role("link", name="キュー", exact=True)
    assert not queues.is_visible()
    page.get_by_text("メニュー").click()
    queues.click()
    page.wait_for_url(f"{live_server}/staff/queues/")
    context.close()
