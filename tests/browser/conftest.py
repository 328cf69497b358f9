"""A live server with the demo seeded, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright

from answering.simulator.scenario import serving
from tests.conftest import build_app, fresh_database_url, migrate
from tests.services import detect
from tests.smtp import SmtpStandIn

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Chromium drops a connection it no longer needs (a page left while its icon or style sheet is
# on the way); Werkzeug's development server then leaves that static file for the garbage collector.
# The product runs under gunicorn; only this test server does it.
UNCLOSED_STATIC_FILE = (
    r"ignore:Exception ignored in.*FileIO name='[^']*/static/[^']*'"
    ":pytest.PytestUnraisableExceptionWarning"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith("tests/browser/"):
            item.add_marker(pytest.mark.filterwarnings(UNCLOSED_STATIC_FILE))


@pytest.fixture(scope="module")
def mailbox() -> Iterator[SmtpStandIn]:
    server = SmtpStandIn()
    server.start()
    yield server
    server.stop()


@contextmanager
def seeded_demo(name: str, folder: Any, **overrides: Any) -> Iterator[Flask]:
    """The application on its own database (`name`, in `folder`) with the demo seeded."""
    from tenants.db import db

    app = build_app(fresh_database_url(name, folder), **overrides)
    migrate(app)
    seeded = app.test_cli_runner().invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, mailbox: SmtpStandIn) -> Iterator[str]:
    """The real application on a real port, on its own database with the demo seeded."""
    folder = tmp_path_factory.mktemp("browser")
    with seeded_demo("browser", folder, MAIL_URL=mailbox.url) as app, serving(app) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = detect().chromium
    assert chromium is not None
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def log_in_as(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill("demo-pass-2026")
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()
