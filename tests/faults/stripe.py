"""Stripe's webhooks duplicated and reversed: last month is billed for a dozen shops through the RQ
workers (three cards decline), the declined invoices are then paid on Stripe's side, and every
event Stripe held is delivered twice, newest first. Our invoices must end as Stripe has them."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, insert, select

from billing import collection
from billing.models import Invoice, RateCard, StripeCustomer, StripeEvent
from billing.runs import Period, bill_period
from billing.stripe_local.server import LocalStripe
from tenants.coverage.models import CoverageVersion
from tenants.coverage.schedule import TEMPLATES
from tenants.coverage.services import today_in_tokyo
from tenants.db import db, new_id
from tenants.models import Shop
from tenants.scheduler import in_system_scope
from tests.faults.world import World

SHOPS, DECLINING = 12, 3


@dataclass
class Outcome:
    expected: int
    issued: int
    charged_at_once: int
    paid_later: int
    events: int
    deliveries: int
    stored: int
    ours: dict[str, int]
    stripes: dict[str, int]

    @property
    def lost(self) -> int:
        """Every invoice ends paid, in Stripe and in ours; every event is stored once."""
        unpaid = 2 * self.expected - self.ours.get("paid", 0) - self.stripes.get("paid", 0)
        return unpaid + (self.events - self.stored)

    def lines(self) -> list[str]:
        return [
            f"invoices expected    {self.expected}  (issued {self.issued}; charged at once {self.charged_at_once}, declined {self.expected - self.charged_at_once}, paid on Stripe later {self.paid_later})",
            f"webhooks             {self.events} events delivered {self.deliveries} times, newest first; stored {self.stored}",
            f"in Stripe            {', '.join(f'{k} {v}' for k, v in sorted(self.stripes.items()))}",
            f"in our invoices      {', '.join(f'{k} {v}' for k, v in sorted(self.ours.items()))}",
            f"lost                 {self.lost}",
        ]


def _seed(server: LocalStripe) -> None:
    week = {str(d): [list(b) for b in bands] for d, bands in TEMPLATES["weekdays_9_18"].items()}
    since = datetime(2025, 1, 1, tzinfo=UTC)
    shops, coverage, customers = [], [], []
    for n in range(SHOPS):
        shop_id = new_id()
        customer = server.store.create_customer({"name": f"請求店 {n}"})
        card = "pm_card_chargeDeclined" if n < DECLINING else "pm_card_visa"
        method = server.store.attach_payment_method(card, customer["id"])
        server.store.update_customer(
            customer["id"], {"invoice_settings": {"default_payment_method": method["id"]}}
        )
        shops.append(
            {
                "id": shop_id,
                "slug": f"seikyu-{n:02d}",
                "name": f"請求店 {n}",
                "name_kana": "セイキュウテン",
                "status": "active",
                "created_at": since,
            }
        )
        coverage.append(
            {
                "shop_id": shop_id,
                "id": new_id(),
                "effective_from": date(2025, 1, 1),
                "week": week,
                "holiday_mode": "closed",
                "holiday_bands": [],
                "created_at": since,
            }
        )
        customers.append(
            {
                "shop_id": shop_id,
                "id": new_id(),
                "customer_id": customer["id"],
                "payment_method_id": method["id"],
                "card_brand": "visa",
                "card_last4": "4242",
                "created_at": since,
            }
        )
    db.session.execute(insert(Shop), shops)
    db.session.execute(insert(CoverageVersion), coverage)
    db.session.execute(insert(StripeCustomer), customers)
    db.session.add(
        RateCard(
            id=new_id(),
            effective_from=date(2020, 1, 1),
            weekday_day_yen_per_hour=180,
            weekday_night_yen_per_hour=260,
            weekend_holiday_yen_per_hour=260,
            phone_number_yen_per_month=1000,
            fax_number_yen_per_month=1000,
            monthly_minimum_yen=30000,
            tax_rate_percent=10,
            issuer_name="電話代行クラウド株式会社",
            issuer_registration_number="T1234567890123",
            issuer_address="東京都千代田区丸の内1-1-1",
        )
    )


def _ours(world: World, period: Period) -> dict[str, int]:
    with in_system_scope(world.app):
        rows = db.session.execute(
            select(Invoice.status, func.count())
            .where(Invoice.period == str(period))
            .group_by(Invoice.status)
        ).all()
        db.session.rollback()
    return {status: count for status, count in rows}


def _wait(check: object, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not check():  # type: ignore[operator]
        time.sleep(0.5)


def duplicated_and_reversed(world: World) -> Outcome:
    server = world.stripe
    period = Period.before(today_in_tokyo())
    with in_system_scope(world.app):
        _seed(server)
        db.session.commit()
        summary = bill_period(period, today_in_tokyo(), after_invoice=collection.enqueue_collection)
        db.session.commit()
    # The RQ workers create, finalise and charge each invoice in Stripe.
    _wait(
        lambda: (
            len(server.events_of("invoice.paid")) + len(server.events_of("invoice.payment_failed"))
            >= SHOPS
        )
    )
    charged = len(server.events_of("invoice.paid"))
    _wait(
        lambda: sum(_ours(world, period).values()) >= SHOPS and "draft" not in _ours(world, period)
    )
    # The owners of the declined shops pay on Stripe's side with another card.
    later = 0
    for invoice in list(server.store.objects["invoice"].values()):
        if invoice["status"] == "open":
            card = server.store.attach_payment_method("pm_card_visa", invoice["customer"])
            server.store.pay_invoice(invoice["id"], {"payment_method": card["id"]})
            later += 1
    held = list(server.held)
    server.held.clear()
    deliveries = 0
    for event in reversed(held):
        for _ in range(2):
            server.deliver(event["id"])
            deliveries += 1
    stripes: dict[str, int] = {}
    for invoice in server.store.objects["invoice"].values():
        stripes[invoice["status"]] = stripes.get(invoice["status"], 0) + 1
    _wait(lambda: _ours(world, period).get("paid", 0) >= stripes.get("paid", 0))
    with in_system_scope(world.app):
        stored = (
            db.session.scalar(
                select(func.count())
                .select_from(StripeEvent)
                .where(StripeEvent.id.in_([e["id"] for e in held]))
            )
            or 0
        )
        db.session.rollback()
    return Outcome(
        SHOPS,
        summary.created,
        charged,
        later,
        len(held),
        deliveries,
        stored,
        _ours(world, period),
        stripes,
    )
