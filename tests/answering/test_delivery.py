"""Messages reach the shop: stored first (the inbox always has them), then e-mailed in Japanese
through a real SMTP server and posted to the shop's webhook, signed, to a receiver that checks the
signature. Both are taken down and brought back mid-test: delivery resumes and nothing is lost."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from answering import delivery
from answering.models import Delivery, DeliveryAttempt
from tenants.db import utcnow
from tenants.models import AuditEvent, Shop
from tenants.notifications import services as notifications
from tests.answering.calls import Shops, answered_call, file, messages_of, operator, two_shops
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD
from tests.smtp import SmtpStandIn
from tests.webhook_receiver import SigningReceiver


@pytest.fixture
def receiver() -> Iterator[SigningReceiver]:
    server = SigningReceiver()
    server.start()
    yield server
    server.stop()


def notify(app: Flask, shops: Shops, receiver: SigningReceiver, **modes: str) -> None:
    """Alpha's notification settings: its owner's address and the receiver, modes as given."""
    with system(app) as session:
        shop = session.scalars(select(Shop).where(Shop.slug == "alpha")).one()
        notifications.update(
            shop,
            emails=[shops.alpha["email"]],
            webhook_url=receiver.url,
            categories={"message": "instant", "urgent": "instant", **modes},
            digest_time="18:00",
        )
        receiver.secret = notifications.settings_for(shop).webhook_secret


def owner_of(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    log_in(client, email, PASSWORD)
    return client


def deliveries(app: Flask) -> list[Delivery]:
    with system(app) as session:
        rows = session.scalars(select(Delivery).order_by(Delivery.channel)).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def test_a_message_is_mailed_in_japanese_and_posted_signed(
    app: Flask, smtp: SmtpStandIn, receiver: SigningReceiver
) -> None:
    shops = two_shops(app)
    notify(app, shops, receiver)
    _, console = operator(app)
    answered_call(app, app.test_client())
    file(console, category="order", field_order_number="A-1001")

    (mail,) = smtp.messages
    assert mail["To"] == "owner@alpha.example.jp"
    assert mail["Subject"] == "alpha shop様へのご伝言: 注文・配送"
    text = mail.get_body().get_content()  # type: ignore[union-attr]
    assert "お電話のご伝言をお預かりしました。" in text
    assert "発信者番号: 090-1234-5678" in text
    assert "注文番号: A-1001" in text
    assert "発送予定日を知りたい" in text
    assert "/shops/alpha/messages/" in text

    (event,) = receiver.events
    assert receiver.refused == 0
    assert event["type"] == "message.created"
    assert event["shop"] == "alpha"
    assert event["data"]["body"] == "発送予定日を知りたい"
    assert event["data"]["caller"] == "+819012345678"
    assert [d.state for d in deliveries(app)] == ["delivered", "delivered"]


def test_nothing_is_lost_while_the_mail_server_and_the_webhook_are_down(
    app: Flask, smtp: SmtpStandIn, receiver: SigningReceiver
) -> None:
    shops = two_shops(app)
    notify(app, shops, receiver)
    _, console = operator(app)
    answered_call(app, app.test_client(), sid="CA1")
    file(console, "CA1", body="一件目")
    smtp.stop()
    receiver.stop()
    try:
        answered_call(app, app.test_client(), sid="CA2")
        file(console, "CA2", body="二件目 破損あり")
        answered_call(app, app.test_client(), sid="CA3")
        file(console, "CA3", body="三件目")
        # Stored first: the inbox has every message while nothing can be sent.
        inbox = owner_of(app, shops.alpha["email"]).get("/shops/alpha/messages/")
        page = inbox.get_data(as_text=True)
        assert all(word in page for word in ("一件目", "二件目", "三件目"))
        waiting = [d for d in deliveries(app) if d.state == "pending"]
        assert len(waiting) == 4
        assert all(d.attempts == 1 and d.last_error for d in waiting)
        metrics = app.test_client().get("/metrics").get_data(as_text=True)
        assert 'answering_message_deliveries{channel="email",state="pending"} 2.0' in metrics
        assert 'answering_oldest_retried_delivery_seconds{channel="webhook"}' in metrics
        # A retry while they are still down fails again and waits longer.
        delivery.sweep(app, now=utcnow() + timedelta(minutes=1))
        assert all(d.attempts == 2 for d in deliveries(app) if d.state == "pending")
    finally:
        smtp.start()
        receiver.start()
    delivery.sweep(app, now=utcnow() + timedelta(minutes=5))

    assert sorted(m.get_body().get_content().count("件目") for m in smtp.messages) == [1, 1, 1]  # type: ignore[union-attr]
    subjects = sorted(str(m["Subject"]) for m in smtp.messages)
    assert subjects[0].startswith("alpha shop様へのご伝言")
    assert "【至急】alpha shop様へのご伝言: 注文・配送" in subjects
    assert sorted(e["data"]["body"] for e in receiver.events) == [
        "一件目",
        "三件目",
        "二件目 破損あり",
    ]
    assert all(d.state == "delivered" for d in deliveries(app))
    metrics = app.test_client().get("/metrics").get_data(as_text=True)
    assert "answering_message_deliveries{" not in metrics
    # Swept again: nothing is sent twice.
    delivery.sweep(app, now=utcnow() + timedelta(hours=2))
    assert len(smtp.messages) == 3
    assert len(receiver.events) == 3


def test_the_owner_sees_the_delivery_log_and_replays_a_webhook(
    app: Flask, receiver: SigningReceiver
) -> None:
    shops = two_shops(app)
    notify(app, shops, receiver)
    _, console = operator(app)
    receiver.stop()
    answered_call(app, app.test_client())
    file(console)
    receiver.start()
    (message,) = messages_of(app, "alpha")
    hook = next(d for d in deliveries(app) if d.channel == "webhook")
    owner = owner_of(app, shops.alpha["email"])
    page = owner.get(f"/shops/alpha/messages/{message.id}").get_data(as_text=True)
    assert 'data-testid="delivery-log"' in page
    log = page.split('data-testid="delivery-log"')[1]
    assert "Connection refused" in log
    url = f"/shops/alpha/messages/{message.id}/deliveries/{hook.id}/replay"
    token = csrf_token(owner, f"/shops/alpha/messages/{message.id}")
    assert owner.post(url, data={"csrf_token": token}).status_code == 302
    assert [e["data"]["id"] for e in receiver.events] == [str(message.id)]
    assert receiver.events[0]["id"] == str(hook.id)  # the same event id on every try
    with system(app) as session:
        tried = session.scalars(select(DeliveryAttempt.ok).order_by(DeliveryAttempt.at)).all()
    assert tried.count(True) == 2  # the mail at once, the webhook on replay
    with system(app) as session:
        audited = session.scalars(
            select(AuditEvent.target).where(AuditEvent.action == "message.delivery_replayed")
        ).all()
    assert audited == [f"webhook:{message.id}"]

    beta = owner_of(app, shops.beta["email"])
    token = csrf_token(beta, "/shops/beta/messages/")
    assert beta.post(url, data={"csrf_token": token}).status_code == 404
    assert (
        beta.post(url.replace("/alpha/", "/beta/"), data={"csrf_token": token}).status_code == 404
    )
    assert len(receiver.events) == 1


def test_the_daily_digest_waits_for_its_time_and_urgent_messages_do_not(
    app: Flask, smtp: SmtpStandIn, receiver: SigningReceiver
) -> None:
    shops = two_shops(app)
    notify(app, shops, receiver, message="digest")
    _, console = operator(app)
    for sid, body in (("CA1", "在庫の件"), ("CA2", "ラッピングの件"), ("CA3", "返金してほしい")):
        answered_call(app, app.test_client(), sid=sid)
        file(console, sid, body=body)
    (urgent,) = smtp.messages
    assert urgent["Subject"].startswith("【至急】")
    assert [e["data"]["body"] for e in receiver.events] == ["返金してほしい"]

    with system(app) as session:  # the digest's time, as planned when the messages were filed
        digest_at = session.scalars(
            select(Delivery.due_at).where(Delivery.digest.is_(True)).order_by(Delivery.due_at)
        ).first()
    assert digest_at is not None
    delivery.sweep(app, now=digest_at - timedelta(seconds=1))
    assert len(smtp.messages) == 1  # a second before the digest's time (whatever the hour now)
    delivery.sweep(app, now=digest_at + timedelta(minutes=1))
    digest = smtp.messages[1]
    assert digest["Subject"] == "alpha shop様へのご伝言のまとめ（2件）"
    text = digest.get_body().get_content()  # type: ignore[union-attr]
    assert "在庫の件" in text
    assert "ラッピングの件" in text
    assert sorted(e["data"]["body"] for e in receiver.events) == [
        "ラッピングの件",
        "在庫の件",
        "返金してほしい",
    ]
    delivery.sweep(app, now=digest_at + timedelta(minutes=2))
    assert len(smtp.messages) == 2


def test_backoff_doubles_from_30_seconds_up_to_an_hour() -> None:
    assert [delivery.backoff(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [
        30,
        60,
        120,
        3600,
        3600,
    ]


def test_a_webhook_down_for_a_day_is_given_up_and_can_still_be_replayed(
    app: Flask, receiver: SigningReceiver
) -> None:
    shops = two_shops(app)
    notify(app, shops, receiver)
    _, console = operator(app)
    receiver.stop()
    answered_call(app, app.test_client())
    file(console)
    with system(app) as session:  # the first try was a day ago
        for attempt in session.scalars(select(DeliveryAttempt)):
            attempt.at -= timedelta(hours=24)
    delivery.sweep(app, now=utcnow() + timedelta(minutes=1))
    hook = next(d for d in deliveries(app) if d.channel == "webhook")
    assert hook.state == "failed"
    assert hook.attempts == 2
    receiver.start()
    delivery.sweep(app, now=utcnow() + timedelta(hours=1))
    assert receiver.events == []  # given up: no more tries by themselves
    (message,) = messages_of(app, "alpha")
    owner = owner_of(app, shops.alpha["email"])
    page = owner.get(f"/shops/alpha/messages/{message.id}").get_data(as_text=True)
    assert "配信を断念" in page
    url = f"/shops/alpha/messages/{message.id}/deliveries/{hook.id}/replay"
    token = csrf_token(owner, f"/shops/alpha/messages/{message.id}")
    owner.post(url, data={"csrf_token": token})
    assert [e["data"]["body"] for e in receiver.events] == ["発送予定日を知りたい"]


def test_a_message_is_mailed_in_the_shops_own_template_as_plain_text(
    app: Flask, smtp: SmtpStandIn, receiver: SigningReceiver
) -> None:
    shops = two_shops(app)
    notify(app, shops, receiver)
    with system(app) as session:
        shop = session.scalars(select(Shop).where(Shop.slug == "alpha")).one()
        notifications.save_template(
            shop,
            "【{urgency}】{caller}様からお電話",
            "{shop} ご担当者様\n受付 {received_at}\n用件 {about}\n---\n{message}\n---\n{url}",
        )
    _, console = operator(app)
    answered_call(app, app.test_client())
    file(console, category="order", body='<b>届かない</b> <script>alert("x")</script>')

    (mail,) = smtp.messages
    assert mail["Subject"] == "【通常】090-1234-5678様からお電話"
    assert mail.get_content_type() == "text/plain"  # one plain-text part: nothing is HTML
    text = mail.get_body().get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert text.startswith("alpha shop ご担当者様\n受付 ")
    assert "用件 注文・配送 / ご注文・配送について\n---\n" in text
    assert '<b>届かない</b> <script>alert("x")</script>' in text  # as typed, inert in plain text
    assert "/shops/alpha/messages/" in text
