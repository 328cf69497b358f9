"""The monthly billing run over many shops against the local Stripe-speaking server.

Each shop has weekday 9–18 coverage since 2025, a Stripe Customer and a saved card (made directly in
the server's memory, so they are not counted); the run invoices last month for every shop and
collects each invoice through the real `stripe` library over HTTP (customer already there: create,
items, finalise, pay). Printed: the time, shops per second, and Stripe API calls per shop.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import create_engine, insert, text

from billing import collection
from billing.models import RateCard, StripeCustomer
from billing.runs import Period, bill_period
from billing.stripe_api import API_VERSION
from billing.stripe_local.server import LocalStripe
from tenants.coverage.models import CoverageVersion
from tenants.coverage.schedule import TEMPLATES
from tenants.coverage.services import today_in_tokyo
from tenants.db import db, new_id
from tenants.models import Shop
from tenants.scoping import SYSTEM, set_scope
from tests.conftest import build_app, migrate
from tests.services import detect

SHOPS = int(os.environ.get("BENCH_BILLING_SHOPS", "10000"))


def _database() -> tuple[str, str | None]:
    admin = detect().postgres_admin_url
    if admin is None:
        path = Path(tempfile.mkdtemp(prefix="bench-billing-")) / "bench.db"
        return f"sqlite:///{path}", None
    name = f"answering_bench_billing_{os.getpid()}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin.rsplit("/", 1)[0] + f"/{name}", name


def _drop(name: str | None) -> None:
    admin = detect().postgres_admin_url
    if name is None or admin is None:
        return
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _seed(server: LocalStripe, shops: int) -> None:
    week = {str(d): [list(b) for b in bands] for d, bands in TEMPLATES["weekdays_9_18"].items()}
    since = datetime(2025, 1, 1, tzinfo=UTC)
    shop_rows, coverage_rows, customer_rows = [], [], []
    for n in range(shops):
        shop_id = new_id()
        customer = server.store.create_customer({"name": f"shop {n}"})
        card = server.store.attach_payment_method("pm_card_visa", customer["id"])
        server.store.update_customer(
            customer["id"], {"invoice_settings": {"default_payment_method": card["id"]}}
        )
        shop_rows.append(
            {
                "id": shop_id,
                "slug": f"bench-{n:05d}",
                "name": f"ベンチ店 {n}",
                "name_kana": "ベンチテン",
                "status": "active",
                "created_at": since,
            }
        )
        coverage_rows.append(
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
        customer_rows.append(
            {
                "shop_id": shop_id,
                "id": new_id(),
                "customer_id": customer["id"],
                "payment_method_id": card["id"],
                "card_brand": "visa",
                "card_last4": "4242",
                "created_at": since,
            }
        )
    server.store.events.clear()
    db.session.execute(insert(Shop), shop_rows)
    db.session.execute(insert(CoverageVersion), coverage_rows)
    db.session.execute(insert(StripeCustomer), customer_rows)
    db.session.add(
        RateCard(
            id=uuid.uuid4(),
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
    db.session.commit()


def main(shops: int = SHOPS) -> None:
    logging.getLogger("stripe").setLevel(logging.WARNING)  # one line per request otherwise
    url, name = _database()
    server = LocalStripe(api_version=API_VERSION)
    server.start()
    try:
        app = build_app(
            url,
            STRIPE_SECRET_KEY="sk_test_bench",
            STRIPE_API_BASE=server.url,
            STRIPE_WEBHOOK_SECRET="whsec_bench",
            TESTING=False,
        )
        migrate(app)
        with app.app_context():
            set_scope(db.session, SYSTEM)
            _seed(server, shops)
            server.calls.clear()
            period = Period.before(today_in_tokyo())
            start = time.perf_counter()
            summary = bill_period(
                period, today_in_tokyo(), after_invoice=collection.enqueue_collection
            )
            elapsed = time.perf_counter() - start
            paid = len(server.events_of("invoice.paid"))
            db.engine.dispose()
        backend = "PostgreSQL" if name else "SQLite"
        print(
            f"Billing run {period} over {shops:,} shops ({backend}, jobs in-process, local Stripe "
            f"over HTTP): {elapsed:.1f} s, {shops / elapsed:.0f} shops/s, "
            f"{summary.created:,} invoices, {paid:,} paid, {len(summary.failed)} failed, "
            f"¥{summary.total_yen:,} billed"
        )
        print(
            f"Stripe API calls per shop: {server.api_calls / shops:.2f} "
            f"({', '.join(f'{k} {v / shops:.2f}' for k, v in sorted(server.calls.items()))})"
        )
        sys.stdout.flush()
    finally:
        server.stop()
        _drop(name)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else SHOPS)
