"""On a 390 px wide phone, the supervisor's and the shop owner's pages never scroll sideways: wide
tables scroll inside their own box and form controls fit their card; on the billing pages every
amount is on screen whole, without scrolling a table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from answering.simulator.scenario import serving
from billing import services
from billing.runs import Period, write_invoice
from tenants.coverage.services import today_in_tokyo
from tenants.models import Shop
from tests.browser.conftest import log_in_as, seeded_demo
from tests.conftest import system
from tests.smtp import SmtpStandIn

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
OWNER = "owner@hanako-zakka.example.jp"


@pytest.fixture(scope="module")
def billed_demo(
    tmp_path_factory: pytest.TempPathFactory, mailbox: SmtpStandIn
) -> Iterator[tuple[str, str]]:
    """The demo on a real port, はなこ雑貨店 with an invoice of this month so far; its id."""
    folder = tmp_path_factory.mktemp("phone")
    with seeded_demo("phone", folder, MAIL_URL=mailbox.url) as app:
        today = today_in_tokyo()
        with system(app) as session:
            shop = session.scalars(select(Shop).where(Shop.slug == "hanako-zakka")).one()
            bill = services.month_bill(shop, today.year, today.month)
            period = Period(today.year, today.month)
            invoice_id = str(write_invoice(shop, period, today, bill.items).id)
        with serving(app) as base:
            yield base, invoice_id


@pytest.fixture(scope="module")
def live_server(billed_demo: tuple[str, str]) -> str:
    """This module's pages are measured on the demo with an invoice (one server for all)."""
    return billed_demo[0]


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
        OWNER,
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


#: Where each cell of the page's tables is, how far right it can be seen (the screen's edge, or
#: that of the box that would scroll or clip it) and whether it shows all of its content.
CELLS = """() => [...document.querySelectorAll('.table th, .table td')].map(cell => {
  const box = cell.getBoundingClientRect();
  const frame = cell.closest('.table-scroll, .card');
  const edge = Math.min(window.innerWidth, frame ? frame.getBoundingClientRect().right : Infinity);
  return {text: cell.innerText.trim(), head: cell.closest('thead') !== null,
          amount: cell.classList.contains('amount'), left: box.left, right: box.right,
          edge: edge, scrollWidth: cell.scrollWidth, clientWidth: cell.clientWidth};
})"""


def cells_off_screen(page: Page, url: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The page's amount cells, and every table cell not wholly within the screen or clipped."""
    response = page.goto(url)
    assert response is not None, url
    assert response.ok, url
    cells: list[dict[str, Any]] = page.evaluate(CELLS)
    hidden = [
        cell
        for cell in cells
        if cell["text"]
        and (
            cell["left"] < 0
            or cell["right"] > cell["edge"] + 0.5
            or (cell["amount"] and cell["scrollWidth"] > cell["clientWidth"])
        )
    ]
    return [cell for cell in cells if cell["amount"] and not cell["head"]], hidden


def test_money_on_the_billing_pages_is_whole_on_a_phone(
    billed_demo: tuple[str, str], browser: Browser
) -> None:
    """Every amount, status and link of the estimate, the invoice list and an invoice is on screen
    whole, with no table to scroll sideways (a total once read 「¥38,2」)."""
    base, invoice_id = billed_demo
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        log_in_as(page, base, OWNER)
        for path in (
            "/shops/hanako-zakka/billing/",
            f"/shops/hanako-zakka/billing/invoices/{invoice_id}",
        ):
            amounts, hidden = cells_off_screen(page, base + path)
            assert hidden == [], path
            assert len(amounts) >= 4, path  # the items, the tax and the totals were measured
            assert all(cell["text"].startswith("¥") for cell in amounts), amounts
        page.goto(f"{base}/shops/hanako-zakka/billing/")
        row = page.get_by_test_id("invoices").locator("tbody tr").first
        for link in (row.get_by_role("link", name="表示"), row.get_by_role("link", name="PDF")):
            box = link.bounding_box()
            assert box is not None
            assert box["x"] + box["width"] <= PHONE["width"]
        assert "お支払い待ち" in row.get_by_test_id("invoice-status").inner_text()
    finally:
        context.close()
