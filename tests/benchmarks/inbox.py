"""The shop's inbox at size, on this machine's PostgreSQL with row-level security: 30,000 messages
in each of two shops; the first page, a word search, the urgent filter and the unread count of one
shop, each the best of five runs. Printed, never asserted."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import create_engine, insert, text

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "answering_bench_inbox"
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DATABASE}"
PER_SHOP = 30_000
WORDS = ["配送", "返品", "サイズ", "色違い", "在庫", "ラッピング", "領収書", "破損", "キャンセル"]
NAMES = ["ヤマダ", "スズキ", "タナカ", "サトウ", "イトウ", "ワタナベ"]


def best_of(runs: int, work: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def fill(shop_id: Any, rng: random.Random) -> None:
    from answering.messages import searchable
    from answering.models import Call, Message
    from tenants.db import db, new_id, utcnow

    start = utcnow() - timedelta(days=365)
    for batch in range(0, PER_SHOP, 5_000):
        calls, messages = [], []
        for n in range(batch, batch + 5_000):
            at = start + timedelta(minutes=17 * n)
            call_id = new_id()
            caller = f"+8190{rng.randrange(10**8):08d}"
            calls.append(
                {
                    "shop_id": shop_id,
                    "id": call_id,
                    "call_sid": f"CA{call_id.hex}",
                    "from_number": caller,
                    "to_number": "+81345009999",
                    "arrived_at": at,
                    "in_coverage": True,
                    "outcome": "answered",
                    "carrier_status": "completed",
                }
            )
            body = f"{rng.choice(WORDS)}について{rng.choice(WORDS)}の件"
            name = rng.choice(NAMES)
            message = Message(
                body=body,
                caller_number=caller,
                fields=[{"key": "name", "label": "お名前", "value": name}],
            )
            messages.append(
                {
                    "shop_id": shop_id,
                    "id": new_id(),
                    "call_id": call_id,
                    "created_at": at,
                    "caller_number": caller,
                    "disposition": "other",
                    "body": body,
                    "fields": message.fields,
                    "urgency": "urgent" if rng.random() < 0.05 else "normal",
                    "read_at": at if rng.random() < 0.8 else None,
                    "search_text": searchable(message),
                }
            )
        db.session.execute(insert(Call), calls)
        db.session.execute(insert(Message), messages)
    db.session.commit()


def main() -> None:
    engine = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    engine.dispose()
    os.environ.update({"DATABASE_URL": URL, "REDIS_URL": "", "LOG_LEVEL": "WARNING"})
    from flask_migrate import upgrade

    from answering import inbox
    from tenants.db import db
    from tenants.scoping import SYSTEM, Scope, set_scope
    from tenants.services import create_shop
    from wsgi import create_app

    app = create_app()
    with app.app_context():
        upgrade()
        set_scope(db.session, SYSTEM)
        shops = [create_shop(slug=s, name=s, name_kana="ベンチ") for s in ("bench-a", "bench-b")]
        db.session.commit()
        rng = random.Random(5)
        loading = time.perf_counter()
        for shop in shops:
            set_scope(db.session, SYSTEM)
            fill(shop.id, rng)
        print(f"inbox: {2 * PER_SHOP:,} messages loaded in {time.perf_counter() - loading:.1f} s")
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        shop_id = shops[0].id
        set_scope(db.session, Scope(shop_id=shop_id))
        cases: list[tuple[str, Callable[[], Any]]] = [
            ("first page (100 newest)", lambda: inbox.messages(shop_id, inbox.Filters())),
            ("search 'やまだ'", lambda: inbox.messages(shop_id, inbox.Filters(query="やまだ"))),
            (
                "search two words",
                lambda: inbox.messages(shop_id, inbox.Filters(query="色違い 在庫")),
            ),
            ("urgent only", lambda: inbox.messages(shop_id, inbox.Filters(urgency="urgent"))),
            ("unread count", lambda: inbox.unread_count(shop_id)),
        ]
        for label, work in cases:
            print(
                f"inbox of one shop, {PER_SHOP:,} messages, {label}: best of 5: {best_of(5, work):.1f} ms"
            )
        db.session.rollback()
    with create_engine(ADMIN, isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
