"""Delivering a stored message to the shop: e-mail to its notification addresses and its signed
webhook, each a `Delivery` row tried by jobs until it goes through.

The message is in the inbox from the moment it is filed; deliveries only push it out. Urgent
messages are due at once; the rest as the shop chose: at once, in the daily digest (one e-mail at
the shop's digest time; the webhook posts each message at that time), or not pushed at all. A failed
try is logged and retried with exponential backoff (30 s doubling, at most an hour apart) until 24
hours after the first try; a periodic sweep hands due retries to the job queue, so a mail server or
webhook that is down only delays delivery: nothing is lost, and the owner can replay any delivery.
"""

from __future__ import annotations

import smtplib
import uuid
from collections import defaultdict
from datetime import datetime, time, timedelta
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from answering.models import Delivery, DeliveryAttempt, Message
from tenants.config import settings_from
from tenants.coverage.services import TOKYO
from tenants.db import db, new_id, utcnow
from tenants.i18n import format_when
from tenants.jobs import enqueue_after_commit, task
from tenants.models import Shop
from tenants.notifications import mail_template, webhooks
from tenants.notifications import services as notifications
from tenants.notifications.models import NotificationSettings
from tenants.numbers.services import national
from tenants.providers import build_message, mail_provider
from tenants.scheduler import in_system_scope, periodic

GIVE_UP_AFTER = timedelta(hours=24)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … at most an hour between tries."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def next_digest(now: datetime, at: str) -> datetime:
    """The next time of day `HH:MM` (Asia/Tokyo) after `now`."""
    hour, minute = (int(part) for part in at.split(":"))
    local = now.astimezone(TOKYO)
    due = datetime.combine(local.date(), time(hour, minute), TOKYO)
    return due if due > local else due + timedelta(days=1)


def plan(shop: Shop, message: Message, now: datetime) -> list[Delivery]:
    """The deliveries this message needs under the shop's settings; those due now run after commit."""
    settings = notifications.settings_for(shop)
    urgent = message.urgency == "urgent"
    mode = settings.categories.get("urgent" if urgent else "message", "instant")
    if mode == "off":
        return []
    digest = mode == "digest" and not urgent
    due = next_digest(now, settings.digest_time) if digest else now
    planned = []
    for channel, wanted in (
        ("email", bool(settings.emails)),
        ("webhook", bool(settings.webhook_url)),
    ):
        if not wanted:
            continue
        row = Delivery(
            id=new_id(),
            shop_id=shop.id,
            message_id=message.id,
            channel=channel,
            state="pending",
            digest=digest and channel == "email",
            created_at=now,
            due_at=due,
            attempts=0,
        )
        db.session.add(row)
        planned.append(row)
        if not digest:
            enqueue_after_commit(
                send, shop_id=shop.id, delivery_id=str(row.id), key=f"delivery:{row.id}:0"
            )
    return planned


def replay(shop: Shop, delivery: Delivery, now: datetime) -> None:
    """Send this delivery again now, whatever became of it (the owner's replay button)."""
    delivery.state, delivery.due_at, delivery.digest = "pending", now, False
    enqueue_after_commit(
        send,
        shop_id=shop.id,
        delivery_id=str(delivery.id),
        replay=True,
        key=f"delivery-replay:{delivery.id}:{now.isoformat()}",
    )


@task
def send(*, shop_id: uuid.UUID, delivery_id: str, replay: bool = False) -> None:
    """Try one delivery once; a failure is logged on the delivery and retried by the sweep."""
    # Locked: a duplicate run of this job waits, then finds the delivery done.
    delivery = db.session.scalar(
        select(Delivery)
        .where(Delivery.shop_id == shop_id, Delivery.id == uuid.UUID(delivery_id))
        .with_for_update()
    )
    if delivery is None or delivery.state != "pending":
        return  # delivered meanwhile (a duplicate run), or given up
    shop = db.session.get(Shop, shop_id)
    message = db.session.scalar(
        select(Message).where(Message.shop_id == shop_id, Message.id == delivery.message_id)
    )
    settings = db.session.scalar(
        select(NotificationSettings).where(NotificationSettings.shop_id == shop_id)
    )
    if shop is None or message is None or settings is None:
        return
    if delivery.channel == "email":
        ok, detail = _mail(settings, *_one_mail(shop, message, settings))
    else:
        ok, detail = _post(shop, settings, message, delivery)
    _record([delivery], ok, detail, replay=replay)


@task
def send_digest(*, shop_id: uuid.UUID, until: str) -> None:
    """One e-mail with every digest message of this shop due by `until`."""
    now = datetime.fromisoformat(until)
    rows = list(
        db.session.scalars(
            select(Delivery)
            .where(
                Delivery.shop_id == shop_id,
                Delivery.state == "pending",
                Delivery.digest.is_(True),
                Delivery.due_at <= now,
            )
            .order_by(Delivery.created_at)
            .with_for_update()
        )
    )
    shop = db.session.get(Shop, shop_id)
    settings = db.session.scalar(
        select(NotificationSettings).where(NotificationSettings.shop_id == shop_id)
    )
    if not rows or shop is None or settings is None:
        return
    ids = [row.message_id for row in rows]
    messages = db.session.scalars(
        select(Message)
        .where(Message.shop_id == shop_id, Message.id.in_(ids))
        .order_by(Message.created_at)
    ).all()
    ok, detail = _mail(settings, *_digest_mail(shop, list(messages)))
    _record(rows, ok, detail, replay=False)


def _record(rows: list[Delivery], ok: bool, detail: str, *, replay: bool) -> None:
    now = utcnow()
    for delivery in rows:
        db.session.add(
            DeliveryAttempt(
                id=new_id(),
                shop_id=delivery.shop_id,
                delivery_id=delivery.id,
                at=now,
                ok=ok,
                detail=detail[:200],
                replay=replay,
            )
        )
        delivery.attempts += 1
        if ok:
            delivery.state, delivery.delivered_at, delivery.last_error = "delivered", now, None
            continue
        delivery.last_error = detail[:200]
        first = db.session.scalar(
            select(func.min(DeliveryAttempt.at)).where(
                DeliveryAttempt.shop_id == delivery.shop_id,
                DeliveryAttempt.delivery_id == delivery.id,
                DeliveryAttempt.replay.is_(False),
            )
        )
        retry_at = now + backoff(delivery.attempts)
        if retry_at > (first or now) + GIVE_UP_AFTER:
            delivery.state = "failed"
        else:
            delivery.due_at = retry_at


def _mail(settings: NotificationSettings, subject: str, body: str) -> tuple[bool, str]:
    config = settings_from(current_app.config)
    if not settings.emails:
        return False, gettext("No e-mail address is set.")
    message = build_message(config.mail_from, ", ".join(settings.emails), subject, body)
    try:
        mail_provider(config.mail_url, current_app.instance_path).send(message)
    except (OSError, smtplib.SMTPException) as error:
        return False, f"{type(error).__name__}: {error}"
    return True, gettext("Sent to %(count)d address(es).", count=len(settings.emails))


def _post(
    shop: Shop, settings: NotificationSettings, message: Message, delivery: Delivery
) -> tuple[bool, str]:
    if not settings.webhook_url:
        return False, gettext("No webhook URL is set.")
    try:
        url = webhooks.check_url(
            settings.webhook_url,
            allow_private=current_app.config.get("WEBHOOK_ALLOW_PRIVATE", False),
        )
    except ValueError as refused:
        return False, str(refused)
    # The event id stays the same on every try, so the shop's server can drop repeats.
    body = webhooks.payload("message.created", shop.slug, as_json(shop, message), str(delivery.id))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "answering-webhooks/1",
        webhooks.SIGNATURE_HEADER: webhooks.sign(settings.webhook_secret, body),
    }
    try:
        status = notifications.webhook_sender().post(url, body, headers)
    except OSError as error:
        return False, f"{type(error).__name__}: {error}"
    return 200 <= status < 300, f"HTTP {status}"


def inbox_url(shop: Shop, message: Message) -> str:
    base = settings_from(current_app.config).public_base_url.rstrip("/")
    return f"{base}/shops/{shop.slug}/messages/{message.id}"


def as_json(shop: Shop, message: Message) -> dict[str, Any]:
    return {
        "id": str(message.id),
        "created_at": message.created_at.isoformat(),
        "caller": message.caller_number,
        "disposition": message.disposition,
        "category": message.category,
        "urgency": message.urgency,
        "urgent_because": message.urgent_because,
        "body": message.body,
        "fields": message.fields,
        "callback": (
            {"from": message.callback_from.isoformat(), "until": message.callback_until.isoformat()}
            if message.callback_from and message.callback_until
            else None
        ),
        "url": inbox_url(shop, message),
    }


def _about(message: Message) -> str:
    from answering.messages import disposition_labels

    about = disposition_labels().get(message.disposition, message.disposition)
    if message.category_label:
        about += f" / {message.category_label}"
    return about


def _details(message: Message) -> list[str]:
    """What the operator took down: urgency, the form's fields, the message, the callback."""
    lines = []
    if message.urgency == "urgent":
        lines.append(gettext("Urgent: %(why)s", why=message.urgent_because or gettext("yes")))
    lines += [f"{f['label']}: {f['value'] or '—'}" for f in message.fields]
    if message.body:
        lines += ["", message.body]
    if message.callback_from and message.callback_until:
        lines += [
            "",
            gettext(
                "The caller asks for a callback between %(start)s and %(end)s.",
                start=format_when(message.callback_from),
                end=format_when(message.callback_until, "time"),
            ),
        ]
    return lines


def _lines(shop: Shop, message: Message) -> list[str]:
    return [
        gettext("Received: %(when)s", when=format_when(message.created_at)),
        gettext("Caller: %(number)s", number=national(message.caller_number)),
        gettext("About: %(about)s", about=_about(message)),
        *_details(message),
        "",
        gettext("In your inbox: %(url)s", url=inbox_url(shop, message)),
    ]


def mail_values(shop: Shop, message: Message) -> dict[str, str]:
    """What the placeholders of the shop's message e-mail template become, in Japanese."""
    from answering.messages import disposition_labels

    urgent = message.urgency == "urgent"
    with force_locale("ja"):
        return {
            "shop": shop.name,
            "caller": national(message.caller_number),
            "urgency": "至急" if urgent else "通常",
            "urgent_mark": "【至急】" if urgent else "",
            "topic": disposition_labels().get(message.disposition, message.disposition),
            "about": _about(message),
            "message": "\n".join(_details(message)),
            "received_at": format_when(message.created_at),
            "url": inbox_url(shop, message),
        }


def _one_mail(shop: Shop, message: Message, settings: NotificationSettings) -> tuple[str, str]:
    """The message's e-mail, in the shop's template (or the default one)."""
    subject, body = notifications.message_template(settings)
    values = mail_values(shop, message)
    return (
        mail_template.render(subject, values, one_line=True),
        mail_template.render(body, values),
    )


def _digest_mail(shop: Shop, messages: list[Message]) -> tuple[str, str]:
    with force_locale("ja"):
        subject = gettext(
            "Today's messages for %(shop)s (%(count)d)", shop=shop.name, count=len(messages)
        )
        parts = [
            gettext("To %(shop)s,", shop=shop.name),
            "",
            gettext("Here are the messages we took for you since the last digest."),
        ]
        for number, message in enumerate(messages, 1):
            parts += ["", f"―― {number} ――", *_lines(shop, message)]
    return subject, "\n".join(parts)


def sweep(app: Flask, now: datetime | None = None) -> int:
    """Hand every due delivery (retries, digests, webhooks held for the digest time) to the jobs."""
    moment = now or utcnow()
    with in_system_scope(app):
        due = db.session.scalars(
            select(Delivery).where(Delivery.state == "pending", Delivery.due_at <= moment)
        ).all()
        digests: dict[uuid.UUID, list[Delivery]] = defaultdict(list)
        for row in due:
            if row.digest:
                digests[row.shop_id].append(row)
                continue
            enqueue_after_commit(
                send,
                shop_id=row.shop_id,
                delivery_id=str(row.id),
                key=f"delivery:{row.id}:{row.attempts}",
            )
        for shop_id, rows in digests.items():
            first = min(row.due_at for row in rows)
            tries = max(row.attempts for row in rows)
            enqueue_after_commit(
                send_digest,
                shop_id=shop_id,
                until=moment.isoformat(),
                key=f"digest:{shop_id}:{first.isoformat()}:{tries}",
            )
        return len(due)


@periodic("deliver-messages", every=timedelta(seconds=30), lock_timeout=timedelta(minutes=10))
def _deliver_due(app: Flask) -> None:
    sweep(app)
