"""In Debian's Chromium: the login page in Japanese, a demo owner logs in, sees the dashboard, logs out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser


def test_owner_logs_in_sees_the_dashboard_and_logs_out(
    live_server: str, browser: Browser, tmp_path: Path
) -> None:
    page = browser.new_page()
    page.goto(f"{live_server}/login")
    assert page.locator("html").get_attribute("lang") == "ja"
    expect(page.get_by_role("heading", name="ログイン")).to_be_visible()

    page.get_by_label("メールアドレス").fill("owner@hanako-zakka.example.jp")
    page.get_by_label("パスワード").fill("demo-pass-2026")
    page.get_by_role("button", name="ログイン").click()

    page.wait_for_url(f"{live_server}/shops/hanako-zakka/")
    expect(page.get_by_role("heading", name="はなこ雑貨店")).to_be_visible()
    expect(page.get_by_text("山田 花子").first).to_be_visible()
    page.screenshot(path=os.environ.get("SCREENSHOT_DIR", str(tmp_path)) + "/dashboard.png")

    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url(f"{live_server}/login")
    expect(page.get_by_text("ログアウトしました。")).to_be_visible()
    page.goto(f"{live_server}/shops/hanako-zakka/")
    expect(page.get_by_role("heading", name="ログイン")).to_be_visible()


def test_wrong_password_shows_the_message_in_japanese(live_server: str, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("メールアドレス").fill("owner@hanako-zakka.example.jp")
    page.get_by_label("パスワード").fill("not-the-password")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("alert")).to_have_text(
        "メールアドレスまたはパスワードが正しくありません。"
    )


def test_api_documentation_renders_offline_under_its_content_policy(
    live_server: str, browser: Browser
) -> None:
    """Swagger UI comes from our own files; the page's policy lets it start, and nothing is refused."""
    page = browser.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security" in message.text else None
        ),
    )
    page.on("requestfailed", lambda request: refused.append(request.url))
    page.goto(f"{live_server}/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("電話代行クラウド API")
    expect(page.get_by_text("/api/v1/shops/{slug}").first).to_be_visible()
    assert refused == []
