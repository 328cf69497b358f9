"""What the faults run on: the private servers, the processes, the local stand-ins for the mail
server and a shop's webhook, and two shops: ひる商店 answered around the clock, よる商店 never
(every call to it leaves a voicemail, which becomes a message e-mailed and posted to its webhook)."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import func, select

from answering import delivery
from answering.models import Delivery, Message
from billing.stripe_api import API_VERSION
from billing.stripe_local.server import LocalStripe
from tenants.db import db, utcnow
from tenants.jobs import drain_outbox
from tenants.models import OutboxJob
from tenants.scheduler import in_system_scope
from tests.faults.stack import (
    PrivatePostgres,
    PrivateRedis,
    Processes,
    environment,
    free_port,
    private_servers,
)
from tests.smtp import SmtpStandIn
from tests.webhook_receiver import SigningReceiver

DAY_NUMBER, NIGHT_NUMBER = "03-4500-7001", "03-4500-7002"
WEBHOOK_SECRET = "whsec_faults"
#: How often the scheduler's outbox drain and delivery sweep are run while waiting (it runs them
#: every 15 and 30 s).
ROUND_S = 5.0
KEYS = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "PUBLIC_BASE_URL",
    "MAIL_URL",
    "STRIPE_SECRET_KEY",
    "STRIPE_API_BASE",
    "STRIPE_WEBHOOK_SECRET",
)


@dataclass
class World:
    app: Flask
    postgres: PrivatePostgres
    redis: PrivateRedis
    processes: Processes
    smtp: SmtpStandIn
    receiver: SigningReceiver
    stripe: LocalStripe

    def messages_since(self, since: datetime) -> dict[str, int]:
        """Messages stored since `since`, and their deliveries by channel and state."""
        with in_system_scope(self.app):
            stored = db.session.scalar(
                select(func.count()).select_from(Message).where(Message.created_at >= since)
            )
            rows = db.session.execute(
                select(Delivery.channel, Delivery.state, func.count())
                .join(
                    Message,
                    (Message.shop_id == Delivery.shop_id) & (Message.id == Delivery.message_id),
                )
                .where(Message.created_at >= since)
                .group_by(Delivery.channel, Delivery.state)
            ).all()
            db.session.rollback()
        counts = {"stored": stored or 0}
        for channel, state, count in rows:
            counts[f"{channel} {state}"] = count
        return counts

    def settle(self, since: datetime, timeout_s: float = 180) -> dict[str, int]:
        """Run the periodic repairs (the outbox drain, the delivery sweep) as the scheduler would,
        until every message since `since` is delivered on both channels, or `timeout_s` passes."""
        deadline = time.monotonic() + timeout_s
        next_round = time.monotonic() + ROUND_S
        counts = self.messages_since(since)
        while time.monotonic() < deadline:
            self.processes.supervise()
            counts = self.messages_since(since)
            if (
                counts.get("email delivered", 0)
                == counts.get("webhook delivered", 0)
                == counts["stored"]
            ):
                break
            if time.monotonic() >= next_round:
                next_round = time.monotonic() + ROUND_S
                with contextlib.suppress(Exception):
                    drain_outbox(self.app)
                    # Retries fall due 30 s after a failure: the sweep runs as if that time came.
                    delivery.sweep(self.app, now=utcnow() + timedelta(hours=1))
            time.sleep(1)
        return counts

    def outbox_left(self) -> dict[str, int]:
        """Outbox rows by state, and by task for those not done."""
        with in_system_scope(self.app):
            rows = db.session.execute(
                select(OutboxJob.state, OutboxJob.task, func.count()).group_by(
                    OutboxJob.state, OutboxJob.task
                )
            ).all()
            db.session.rollback()
        counts: dict[str, int] = {}
        for state, task, count in rows:
            label = (
                state
                if state == "done"
                else f"{state} {task.rsplit('.', 2)[-2]}.{task.rsplit('.', 1)[-1]}"
            )
            counts[label] = counts.get(label, 0) + count
        return counts


def prepare(app: Flask, receiver: SigningReceiver, smtp_inbox: str) -> None:
    from flask_migrate import upgrade

    from tenants.coverage import services as coverage
    from tenants.notifications import services as notifications
    from tenants.numbers import services as numbers
    from tenants.services import create_shop

    with app.app_context():
        upgrade()
    with in_system_scope(app):
        day = create_shop(slug="hiru", name="ひる商店", name_kana="ヒルショウテン")
        night = create_shop(slug="yoru", name="よる商店", name_kana="ヨルショウテン")
        db.session.flush()
        for shop, number in ((day, DAY_NUMBER), (night, NIGHT_NUMBER)):
            row = numbers.add_to_pool(number, kind="phone")
            db.session.flush()
            numbers.rent(shop, row.id, actor=None, ip=None)
        week = {d: "00:00-24:00" for d in range(7)}
        coverage.save_version(day, None, coverage.WeekInput(week, "as_weekday", "", None))
        notifications.update(
            night,
            emails=[smtp_inbox],
            webhook_url=receiver.url,
            categories={"message": "instant", "urgent": "instant"},
            digest_time="18:00",
        )
        db.session.flush()
        receiver.secret = notifications.settings_for(night).webhook_secret
        db.session.commit()


@contextlib.contextmanager
def world(*, web: int = 2, workers: int = 2) -> Iterator[World]:
    from wsgi import create_app

    smtp, receiver = SmtpStandIn(), SigningReceiver()
    smtp.start()
    receiver.start()
    try:
        with private_servers() as (postgres, cache):
            port = free_port()
            stripe = LocalStripe(
                api_version=API_VERSION,
                webhook_url=f"http://127.0.0.1:{port}/billing/stripe/webhook",
                webhook_secret=WEBHOOK_SECRET,
                hold_webhooks=True,
            )
            stripe.start()
            env = environment(
                postgres.url,
                cache.url,
                port,
                MAIL_URL=smtp.url,
                STRIPE_SECRET_KEY="sk_test_faults",
                STRIPE_API_BASE=stripe.url,
                STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
            )
            os.environ.update(
                {k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PUBLIC_BASE_URL")}
            )
            app = create_app(
                {
                    **{k: env[k] for k in KEYS},
                    "LOG_JSON": "false",
                    "AFTER_CALL_WORK_S": "0",
                    "SHORT_ABANDON_S": "0",
                    "CARRIER_WEBHOOK_LIMIT": "100000 per second",
                    "WEBHOOK_ALLOW_PRIVATE": True,
                    "CARRIER_MEDIA_HOSTS": ("127.0.0.1",),
                    "CARRIER_MEDIA_ALLOW_PRIVATE": True,
                }
            )
            prepare(app, receiver, "owner@yoru.example.jp")
            processes = Processes(env, web=web, workers=workers)
            processes.start()
            try:
                yield World(app, postgres, cache, processes, smtp, receiver, stripe)
            finally:
                processes.stop()
                stripe.stop()
                with app.app_context():
                    db.engine.dispose()
    finally:
        receiver.stop()
        smtp.stop()
