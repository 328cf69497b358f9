"""In Chromium, a new shop owner's first five minutes: sign up, verify, rent a number, paint hours
and watch the price change, write and publish an FAQ, and see the dashboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.smtp import SmtpStandIn

pytestmark = pytest.mark.browser


def test_sign_up_to_published_script(
    live_server: str, browser: Browser, mailbox: SmtpStandIn
) -> None:
    page = browser.new_page()
    page.goto(f"{live_server}/signup")
    fields = {
        "ショップ名": "みどり茶舗",
        "ショップ名の読み（フリガナ）": "ミドリチャホ",
        "ショップID（URLに使います）": "midori-chaho",
        "お名前": "緑川 茶子",
        "メールアドレス": "owner@midori.example.jp",
        "パスワード": "a-long-password",
        "ご連絡先の電話番号": "090-1111-2222",
        "請求書の宛名（法人名または屋号・氏名）": "みどり茶舗",
        "郵便番号": "600-8001",
        "住所": "京都府京都市下京区四条通1-1",
    }
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="お申し込み").click()
    expect(page.get_by_text("メールアドレスの確認を完了してください")).to_be_visible()

    link = re.search(r"http://\S+(/signup/verify/\S+)", mailbox.messages[-1].get_content())
    assert link
    page.goto(live_server + link.group(1))
    expect(page.get_by_text("メールアドレスを確認しました")).to_be_visible()

    page.get_by_role("link", name="電話番号").click()
    page.get_by_role("button", name=re.compile("を借りる$")).first.click()
    expect(page.get_by_text("をお貸ししました")).to_be_visible()
    rented = page.get_by_test_id("rented-number").inner_text()
    assert re.match(r"^0\d{1,4}-\d{1,4}-\d{3,4}$", rented)

    page.get_by_role("link", name="対応時間").first.click()
    this_month = page.get_by_test_id("estimate-next-month")
    expect(this_month).to_have_text(re.compile("^¥"))
    page.get_by_role("button", name="平日 9–21時").click()
    before = page.get_by_test_id("estimate-next-month")
    expect(before).to_have_text(re.compile("^¥"))
    first_price = before.inner_text()
    saturday = page.locator('.paint[data-day="5"]')
    saturday.locator('[data-slot="20"]').hover()
    page.mouse.down()
    saturday.locator('[data-slot="35"]').hover()
    page.mouse.up()
    expect(page.locator("#day_5")).to_have_value("10:00-18:00")
    expect(page.get_by_test_id("estimate-next-month")).not_to_have_text(first_price)
    page.get_by_role("button", name="新しい版として保存").click()
    expect(page.get_by_text("保存しました。")).to_be_visible()

    page.get_by_role("link", name="FAQスクリプト").click()
    page.get_by_label("あいさつ（オペレーターが電話に出たときに話す言葉）").fill(
        "お電話ありがとうございます。みどり茶舗でございます。"
    )
    page.get_by_role("button", name="下書きを保存").click()
    page.get_by_label("質問").fill("賞味期限はどのくらいですか？")
    page.get_by_label("回答").fill("未開封で製造から1年です。")
    page.get_by_role("button", name="質問を保存").click()
    page.get_by_role("button", name="下書きを公開").click()
    expect(page.get_by_text("バージョン1を公開しました")).to_be_visible()

    page.get_by_role("link", name="ダッシュボード").click()
    expect(page.get_by_role("heading", name="みどり茶舗")).to_be_visible()
    expect(page.get_by_test_id("coverage-now")).to_have_text(re.compile("対応中|営業時間外"))
    expect(page.get_by_text("稼働中")).to_be_visible()
