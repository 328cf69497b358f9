"""Report and wallboard query speed on PostgreSQL over a large synthetic history.

`python -m tests.benchmarks.reports` (or `make bench`): BENCH_CALLS calls (default 1,000,000) over
three months for 100 shops and 40 operators, written with COPY into a database of its own
(`answering_bench_reports`, dropped and re-created), then the month report by shop, the month by
interval for one shop and the wallboard, each the best of five runs through the application's own
session (row-level security on), with the plan of each query's scan.
"""

from __future__ import annotations

import io
import os
import random
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import Select, create_engine, func, insert, text

from answering import reports, rollup_marks, rollups, wallboard
from answering.models import Call
from answering.rollup_models import CallRollupMark
from tenants.coverage.services import TOKYO
from tenants.db import new_id
from tests.services import detect

SHOPS, OPERATORS = 100, 40
FIRST, LAST = date(2026, 9, 1), date(2026, 11, 30)
DATABASE = "answering_bench_reports"
SL = 20
STALE = 50  # shop-days whose call records changed after they were rolled up


def _database() -> str:
    admin = detect().postgres_admin_url
    if admin is None:
        raise SystemExit("the reports benchmark needs PostgreSQL (127.0.0.1:5432)")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    engine.dispose()
    return admin.rsplit("/", 1)[0] + f"/{DATABASE}"


def _app(url: str) -> Flask:
    from flask_migrate import upgrade

    from wsgi import create_app

    app = create_app(
        {"DATABASE_URL": url, "REDIS_URL": "", "SECRET_KEY": "bench", "LOG_JSON": "false"}
    )
    with app.app_context():
        upgrade()
    return app


def _people(app: Flask) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    from tenants import services
    from tenants.db import db
    from tenants.models import StaffRole
    from tenants.scoping import SYSTEM, set_scope

    with app.app_context():
        set_scope(db.session, SYSTEM)
        shops = [
            services.create_shop(slug=f"shop-{i:03d}", name=f"ショップ{i}", name_kana="ショップ").id
            for i in range(SHOPS)
        ]
        operators = [
            services.create_user(
                email=f"op{i}@bench.example.jp",
                display_name=f"オペレーター{i}",
                password="bench-password-2026",
                staff_role=StaffRole.OPERATOR,
            ).id
            for i in range(OPERATORS)
        ]
        db.session.commit()
    return shops, operators


def _rows(count: int, shops: list[uuid.UUID], operators: list[uuid.UUID]) -> io.StringIO:
    """Tab-separated rows for COPY, in order of arrival: busy daytime, quiet nights, 95 % answered, some short
    abandons, callbacks and after-hours calls, a few callers still waiting on the last day."""
    rng = random.Random(2026)
    days = (LAST - FIRST).days + 1
    start = datetime(FIRST.year, FIRST.month, FIRST.day, tzinfo=TOKYO)
    weights = [shop_weight for shop_weight in (rng.paretovariate(1.5) for _ in shops)]
    lines: list[tuple[datetime, str]] = []
    shop_picks = rng.choices(shops, weights=weights, k=count)
    for n, shop in enumerate(shop_picks):
        day = rng.randrange(days)
        hour = rng.choices(range(24), weights=[1] * 8 + [8] * 10 + [2] * 6)[0]
        arrived = start + timedelta(days=day, hours=hour, seconds=rng.randrange(3600))
        roll = rng.random()
        covered = 9 <= hour < 18 or roll < 0.3
        queued = arrived + timedelta(seconds=rng.randrange(0, 20))
        wait = rng.expovariate(1 / 12)
        answered = ended = None
        operator = None
        if not covered:
            outcome = "after_hours_message" if roll < 0.6 else "after_hours"
            ended = arrived + timedelta(seconds=40)
        elif roll < 0.93:
            outcome, operator = "answered", rng.choice(operators)
            answered = queued + timedelta(seconds=wait)
            ended = answered + timedelta(seconds=rng.expovariate(1 / 180))
        elif roll < 0.96:
            outcome, ended = "abandoned", queued + timedelta(seconds=5 + wait * 3)
        elif roll < 0.985:
            outcome, ended = "short_abandon", queued + timedelta(seconds=rng.uniform(0, 5))
        else:
            outcome, ended = "callback", queued + timedelta(seconds=60)
        if day == days - 1 and hour == 14 and n % 50 == 0 and covered:
            outcome, answered, ended, operator = "in_progress", None, None, None
        lines.append(
            (
                arrived,
                "\t".join(
                    [
                        str(shop),
                        str(new_id()),
                        f"CA{n:032d}",
                        "+819012345678",
                        "+81345000001",
                        arrived.astimezone(UTC).isoformat(),
                        queued.astimezone(UTC).isoformat() if covered else r"\N",
                        answered.astimezone(UTC).isoformat() if answered else r"\N",
                        ended.astimezone(UTC).isoformat() if ended else r"\N",
                        "t" if covered else "f",
                        outcome,
                        "completed",
                        rng.choice(("team-a", "team-b", "team-c")) if covered else r"\N",
                        str(operator) if operator else r"\N",
                    ]
                )
                + "\n",
            )
        )
    # Call records are written as calls arrive: the table's physical order follows time.
    lines.sort(key=lambda pair: pair[0])
    return io.StringIO("".join(line for _, line in lines))


COLUMNS = (
    "shop_id, id, call_sid, from_number, to_number, arrived_at, queued_at, answered_at, "
    "ended_at, in_coverage, outcome, carrier_status, queue, operator_id"
)


def _load(url: str, rows: io.StringIO) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        raw: Any = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY calls ({COLUMNS}) FROM STDIN") as copy:
            while chunk := rows.read(1 << 20):
                copy.write(chunk)
        connection.execute(text("ANALYZE calls"))
    engine.dispose()


def best(label: str, work: Callable[[], object], runs: int = 5) -> None:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    print(
        f"{label}: best {min(times) * 1000:.1f} ms, median {sorted(times)[runs // 2] * 1000:.1f} ms"
    )


def plan(label: str, query: Select[Any]) -> None:
    """The plan's scan lines (which index or table each query reads), from EXPLAIN ANALYZE."""
    from tenants.db import db

    compiled = query.compile(dialect=db.engine.dialect, compile_kwargs={"render_postcompile": True})
    lines = db.session.connection().exec_driver_sql(
        "EXPLAIN (ANALYZE, BUFFERS OFF) " + str(compiled), dict(compiled.params)
    )
    shown = [
        row[0].strip()
        for row in lines
        if "Scan" in row[0] or "Execution Time" in row[0] or "Aggregate" in row[0]
    ]
    print(f"  plan of {label}:")
    for line in shown:
        print(f"    {line}")


def main() -> None:
    count = int(os.environ.get("BENCH_CALLS", "1000000"))
    url = _database()
    app = _app(url)
    shops, operators = _people(app)
    began = time.perf_counter()
    _load(url, _rows(count, shops, operators))
    print(
        f"Reports benchmark: {count:,} calls, {SHOPS} shops, {OPERATORS} operators, "
        f"{FIRST} to {LAST}, loaded in {time.perf_counter() - began:.0f} s (PostgreSQL, RLS on)"
    )
    from tenants.db import db
    from tenants.scoping import SYSTEM, Scope, set_scope

    month = (date(2026, 11, 1), date(2026, 11, 30))
    now = datetime(2026, 11, 30, 15, 0, tzinfo=TOKYO)
    with app.app_context():
        set_scope(db.session, SYSTEM)
        total = db.session.scalar(func.count(Call.id).select())
        print(f"  calls in the table: {total:,}")
        rows = reports.answer_rate(*month, "shop", shop_id=None, sl_threshold_s=SL)
        print(f"  November by shop: {len(rows)} rows, {sum(r['offered'] for r in rows):,} offered")
        best(
            "Month report by shop (all shops, November), from call records",
            lambda: reports.answer_rate(*month, "shop", shop_id=None, sl_threshold_s=SL),
        )
        plan(
            "the month by shop from call records",
            reports.grouped_query(*month, "shop", shop_id=None, sl_threshold_s=SL),
        )
        began = time.perf_counter()
        written = rollups.roll(FIRST, LAST + timedelta(days=1), SL)
        db.session.commit()
        set_scope(db.session, SYSTEM)
        print(
            f"Day rollups of the three months: {written:,} rows in "
            f"{time.perf_counter() - began:.1f} s"
        )
        three_days = (LAST - timedelta(days=2), LAST + timedelta(days=1))
        best(
            "Rollup refresh of three days (every 10 minutes)",
            lambda: rollups.recount(*three_days, SL),
            runs=3,
        )
        db.session.commit()
        set_scope(db.session, SYSTEM)
        assert reports.answer_rate(*month, "shop", shop_id=None, sl_threshold_s=SL) == rows
        best(
            "Month report by shop (all shops, November), from day rollups",
            lambda: reports.answer_rate(*month, "shop", shop_id=None, sl_threshold_s=SL),
        )
        plan(
            "the month by shop from day rollups",
            reports.rolled_query(
                month[0], month[1] + timedelta(days=1), "shop", shop_id=None, sl_threshold_s=SL
            ),
        )
        stale = [
            {
                "shop_id": shops[i % SHOPS],
                "id": new_id(),
                "day": month[0] + timedelta(days=(i * 7) % 30),
                "marked_at": datetime.now(UTC),
            }
            for i in range(STALE)
        ]
        db.session.execute(insert(CallRollupMark), stale)
        assert reports.answer_rate(*month, "shop", shop_id=None, sl_threshold_s=SL) == rows
        best(
            f"Month report by shop, {STALE} shop-days changed late (from call records until "
            "recounted)",
            lambda: reports.answer_rate(*month, "shop", shop_id=None, sl_threshold_s=SL),
        )
        plan(
            "the stale shop-days from call records",
            reports.stale_query(
                rollup_marks.stale_days(month[0], month[1] + timedelta(days=1), shop_id=None),
                "shop",
                shop_id=None,
                sl_threshold_s=SL,
            ),
        )
        began = time.perf_counter()
        recounted = rollups.recount_marked(SL)
        print(
            f"Rollup job: {recounted} shop-days marked stale recounted in "
            f"{(time.perf_counter() - began) * 1000:.0f} ms"
        )
        db.session.commit()
        set_scope(db.session, SYSTEM)
        one = shops[0]
        best(
            "Month report by interval for one shop (staff scope)",
            lambda: reports.answer_rate(*month, "interval", shop_id=one, sl_threshold_s=SL),
        )
        plan(
            "one shop's month by interval",
            reports.grouped_query(*month, "interval", shop_id=one, sl_threshold_s=SL),
        )
        db.session.rollback()
        set_scope(db.session, Scope(shop_id=one))
        best(
            "Month report by interval for one shop (the shop's own scope)",
            lambda: reports.answer_rate(*month, "interval", shop_id=one, sl_threshold_s=SL),
        )
        db.session.rollback()
        set_scope(db.session, SYSTEM)
        board = wallboard.board(now, SL)
        print(
            f"  wallboard at {now:%Y-%m-%d %H:%M}: {board.total['offered']:,} offered today, "
            f"{board.total['waiting']} waiting, {len(board.shops)} shops"
        )
        best("Wallboard (all its queries)", lambda: wallboard.board(now, SL))
        plan("the wallboard's today by shop and queue", wallboard.today_query(now, SL))
        plan("the wallboard's waiting callers", wallboard.waiting_query(now))
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
