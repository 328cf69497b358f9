"""After a popped call, the operator files a message from the console; shop A's owner finds it in
the inbox (and in the mail), while shop B's owner does not see it anywhere."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from tenants.models import Shop
from tenants.notifications import services as notifications
from tests.browser.conftest import log_in_as
from tests.browser.live_calls import (
    carrier_post,
    demo_answered_around_the_clock,
    put_through,
    shop_number,
)
from tests.conftest import system
from tests.smtp import SmtpStandIn


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, mailbox: SmtpStandIn
) -> Iterator[tuple[Flask, str]]:
    """The demo on a real port; はなこ雑貨店 answered around the clock, its messages mailed."""
    with demo_answered_around_the_clock(
        "filing", tmp_path_factory.mktemp("filing"), MAIL_URL=mailbox.url
    ) as (app, base):
        with system(app) as session:
            shop = session.scalars(select(Shop).where(Shop.slug == "hanako-zakka")).one()
            notifications.update(
                shop, emails=["owner@hanako-zakka.example.jp"], webhook_url="", categories={}
            )
        yield app, base


def test_the_operator_files_a_message_that_only_shop_a_sees(
    served: tuple[Flask, str], browser: Browser, mailbox: SmtpStandIn
) -> None:
    app, base = served
    number = shop_number(app)
    page = browser.new_page(locale="ja-JP")
    log_in_as(page, base, "operator2@answering.example.jp")
    page.goto(f"{base}/console")
    page.get_by_role("button", name="受付可").first.click()
    expect(page.get_by_test_id("my-state")).to_contain_text("受付可")

    sid = "CA" + "2" * 32
    call = {"CallSid": sid, "From": "+819033334444", "To": number}
    put_through(app, base, call)
    card = page.get_by_test_id("call-card")
    expect(card).to_be_visible(timeout=3000)
    expect(card).to_contain_text("はなこ雑貨店")

    # The operator picks up: the card brings in the form to file the message.
    dial = carrier_post(
        app, base, "/carrier/twilio/dequeued", {"CallSid": sid, "QueueResult": "leave"}
    )
    leg = re.search(r'statusCallback="http://localhost([^"#]+)', dial)
    assert leg, dial
    carrier_post(
        app,
        base,
        leg.group(1).replace("&amp;", "&"),
        {"CallSid": "CL" + "2" * 32, "CallStatus": "in-progress"},
    )
    form = page.get_by_test_id("file-message")
    expect(form).to_be_visible(timeout=3000)
    form.get_by_label("用件の種類").select_option(label="商品の質問")
    form.get_by_label("注文番号").fill("HZ-2026-0042")
    form.get_by_label("伝言").fill("キッチンクロスの色違いの在庫を知りたいとのこと")
    form.get_by_role("button", name="記録する").click()
    expect(page.get_by_role("status")).to_contain_text("伝言を記録しました")
    expect(page.get_by_test_id("file-message")).to_have_count(0)
    expect(
        page.get_by_test_id("filed")
    ).to_be_visible()  # the call goes on; the card says it is filed
    page.close()

    owner = browser.new_page(locale="ja-JP")
    log_in_as(owner, base, "owner@hanako-zakka.example.jp")
    owner.goto(f"{base}/shops/hanako-zakka/messages/")
    inbox = owner.get_by_test_id("inbox")
    expect(inbox).to_contain_text("キッチンクロスの色違いの在庫を知りたい")
    expect(inbox).to_contain_text("商品の質問")
    expect(inbox).to_contain_text("090-3333-4444")
    inbox.get_by_role("link").first.click()
    expect(owner.get_by_test_id("message")).to_contain_text("HZ-2026-0042")
    message_url = owner.url
    owner.close()
    assert any("はなこ雑貨店様へのご伝言" in str(m["Subject"]) for m in mailbox.messages)

    other = browser.new_page(locale="ja-JP")
    log_in_as(other, base, "owner@kobe-coffee.example.jp")
    other.goto(f"{base}/shops/kobe-coffee/messages/")
    expect(other.get_by_test_id("inbox")).not_to_contain_text("キッチンクロス")
    response = other.goto(message_url)
    assert response is not None
    assert response.status == 404
    response = other.goto(message_url.replace("/hanako-zakka/", "/kobe-coffee/"))
    assert response is not None
    assert response.status == 404
    other.close()
