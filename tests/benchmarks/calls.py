"""`make bench-calls`: the live-call figures on this machine's PostgreSQL, under gunicorn.

1. Carrier webhook latency with signature checks: `/carrier/twilio/voice` and `/status` at a steady
   200 requests/s, p50 and p99.
2. Throughput of `/carrier/twilio/voice` against a bare Flask endpoint answering a fixed TwiML on
   the same server settings (closed loop), their ratio, and where the machine's CPU went; and
   against the floor (`floor.py`): bare Flask doing only our endpoint's signature check and
   database statements, which shows how much of the gap the database work alone makes.

The carrier's side is played by `Carrier`, a kept-alive `http.client` connection per thread: the
load generator shares the server's cores, and a heavy one (`requests` cost 1.5-2 ms of CPU per
request here) starves the bare endpoint most, which made the ratio look twice what it is.
3. 2,000 simulated calls, every callback duplicated and shuffled, 40 operators: complete records,
   exact counts, double bookings.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import requests
from sqlalchemy import create_engine, select, text

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "answering_bench_calls"
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DATABASE}"
SECRET = "bench-secret-key-not-for-production"
PORT, BARE_PORT, FLOOR_PORT, RAW_PORT = 5391, 5392, 5393, 5394
NUMBER = "03-4500-9999"
SCALE = 0.01


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": URL,
        "SECRET_KEY": SECRET,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{PORT}",
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
        "LOG_JSON": "true",
        "CARRIER_WEBHOOK_LIMIT": "100000 per second",
        "AFTER_CALL_WORK_S": "0",
        "SHORT_ABANDON_S": "0",
        # the token our carrier adapter derives from SECRET_KEY without TWILIO_AUTH_TOKEN
        "FLOOR_AUTH_TOKEN": hmac.new(SECRET.encode(), b"local-carrier", hashlib.sha256).hexdigest(),
    }


def prepare() -> None:
    """A fresh database with one shop answered around the clock and its number."""
    engine = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    engine.dispose()
    os.environ.update(environment())
    from flask_migrate import upgrade

    from tenants.coverage import services as coverage
    from tenants.db import db
    from tenants.models import Shop
    from tenants.numbers import services as numbers
    from tenants.scoping import SYSTEM, set_scope
    from tenants.services import create_shop
    from wsgi import create_app

    app = create_app()
    with app.app_context():
        upgrade()
        set_scope(db.session, SYSTEM)
        shop = create_shop(slug="bench", name="ベンチ商店", name_kana="ベンチショウテン")
        db.session.flush()
        number = numbers.add_to_pool(NUMBER, kind="phone")
        db.session.flush()
        numbers.rent(shop, number.id, actor=None, ip=None)
        week = {day: "00:00-24:00" for day in range(7)}
        coverage.save_version(shop, None, coverage.WeekInput(week, "as_weekday", "", None))
        db.session.commit()
        assert db.session.scalar(select(Shop.slug)) == "bench"


def server_size() -> tuple[int, int]:
    """gunicorn's processes and threads for the webhook figures: one process per core, two
    threads each. PostgreSQL and the load generator share this machine's cores; more processes
    only fight over them (4 x 4 measured 0.35-0.54 of the bare endpoint, this 0.41-0.52).
    BENCH_WORKERS and BENCH_THREADS choose others; both endpoints always run the same."""
    workers = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2)))
    return workers, int(os.environ.get("BENCH_THREADS", "2"))


@contextmanager
def gunicorn(module: str, port: int, size: tuple[int, int] | None = None) -> Iterator[str]:
    workers, threads = size or server_size()
    log = (Path(tempfile.gettempdir()) / f"bench-gunicorn-{port}.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            module,
        ],
        cwd=ROOT,
        env=environment(),
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(base + "/", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@cache
def signer() -> Callable[[str, dict[str, str]], str]:
    """How the carrier signs, with the benchmark's secret (one application, made once)."""
    os.environ.update(environment())
    from answering.carrier_views import telephony
    from wsgi import create_app

    return telephony(create_app()).sign


class Carrier:
    """The carrier's side of the webhooks, as light as a client can be (one kept-alive
    connection, a signed form post, the answer read in full), so that it takes as little as
    possible of the cores it shares with the server it measures."""

    def __init__(self, base: str) -> None:
        self.address = urlsplit(base).netloc
        self.sign = signer()
        self.public = f"http://127.0.0.1:{PORT}"
        self.connection: http.client.HTTPConnection | None = None

    def post(self, path: str, params: dict[str, str]) -> int:
        body = urlencode(params)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": self.sign(self.public + path, params),
        }
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.address, timeout=30)
            try:
                self.connection.request("POST", path, body, headers)
                answer = self.connection.getresponse()
                answer.read()
                return answer.status
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()  # the server closed an idle keep-alive: open another
                self.connection = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def steady_load(base: str, rate: int, seconds: int) -> dict[str, list[float]]:
    """Open loop: a new call every 1/rate s (its /voice, then its /status): latencies per path."""
    latencies: dict[str, list[float]] = {"voice": [], "status": []}
    errors: list[int] = []
    local = threading.local()

    def carrier() -> Carrier:
        if not hasattr(local, "carrier"):
            local.carrier = Carrier(base)
        return local.carrier  # type: ignore[no-any-return]

    def post(path: str, params: dict[str, str], label: str) -> None:
        started = time.perf_counter()
        status = carrier().post(path, params)
        latencies[label].append(time.perf_counter() - started)
        if status >= 400:
            errors.append(status)

    def one_call() -> None:
        sid = "CA" + uuid.uuid4().hex
        params = {"CallSid": sid, "From": "+819012345678", "To": "+81345009999"}
        post("/carrier/twilio/voice", {**params, "CallStatus": "ringing"}, "voice")
        post(
            "/carrier/twilio/status",
            {**params, "CallStatus": "completed", "CallDuration": "3"},
            "status",
        )

    interval = 2 / rate  # each call is two requests
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=64) as pool:
        for n in range(int(seconds * rate / 2)):
            delay = start + n * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one_call)
    if errors:
        print(f"  errors: {len(errors)} (first {errors[0]})")
    latencies["errors"] = [float(code) for code in errors]
    return latencies


def closed_loop(
    base: str, path: str, params: Callable[[], dict[str, str]], seconds: float, clients: int = 16
) -> float:
    """Requests per second with `clients` always waiting on an answer; every answer must be a
    success, or the figure would count refusals."""
    done = [0] * clients
    failed: list[int] = []
    stop = time.perf_counter() + seconds

    def client(n: int) -> None:
        carrier = Carrier(base)
        while time.perf_counter() < stop:
            status = carrier.post(path, params())
            if status >= 400:
                failed.append(status)
            done[n] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failed:
        raise RuntimeError(f"{base}{path}: {len(failed)} answers failed (first {failed[0]})")
    return sum(done) / seconds


def cpu_seconds() -> dict[str, float]:
    """CPU time used so far by gunicorn's processes, PostgreSQL's and this load generator (Linux)."""
    used = {"web": 0.0, "postgres": 0.0}
    tick = os.sysconf("SC_CLK_TCK")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue  # it ended meanwhile
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick
        if name.startswith("postgres"):
            used["postgres"] += seconds
        elif b"gunicorn" in command:
            used["web"] += seconds
    me = os.times()
    used["load generator"] = me.user + me.system
    return used


def busy_cores(before: dict[str, float], after: dict[str, float], seconds: float) -> str:
    """How many of the machine's cores each party kept busy over `seconds` of wall time."""
    parts = {party: (after[party] - before[party]) / seconds for party in before}
    split = ", ".join(f"{party} {cores:.2f}" for party, cores in parts.items())
    return f"{sum(parts.values()):.2f} ({split})"


def measured_loop(
    base: str, path: str, params: Callable[[], dict[str, str]], seconds: float
) -> tuple[float, str]:
    """`closed_loop`, and where the machine's CPU went per request."""
    before = cpu_seconds()
    rate = closed_loop(base, path, params, seconds)
    after = cpu_seconds()
    served = rate * seconds
    split = ", ".join(
        f"{party} {(after[party] - before[party]) / served * 1000:.2f} ms" for party in before
    )
    return rate, f"CPU per request: {split}"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def main(parts: str = "all") -> None:
    """`parts`: webhooks, rising, simulation or all."""
    prepare()
    if parts in ("webhooks", "all"):
        webhooks()
    if parts in ("rising", "all"):
        rising()
    if parts in ("simulation", "all"):
        simulation()


def webhooks() -> None:
    workers, threads = server_size()
    with gunicorn("wsgi:app", PORT) as base:
        print(
            f"Carrier webhooks under gunicorn ({workers} processes x {threads} threads) on "
            "PostgreSQL, signatures checked"
        )
        steady_load(base, rate=100, seconds=3)  # warm every process and connection first
        before, started = cpu_seconds(), time.perf_counter()
        latencies = steady_load(base, rate=200, seconds=15)
        busy = busy_cores(before, cpu_seconds(), time.perf_counter() - started)
        for label in ("voice", "status"):
            values = latencies[label]
            print(
                f"  /carrier/twilio/{label}: {len(values)} requests at 200/s in all, "
                f"p50 {percentile(values, 0.5):.1f} ms, p99 {percentile(values, 0.99):.1f} ms, "
                f"mean {statistics.fmean(values) * 1000:.1f} ms"
            )
        print(f"    cores busy meanwhile (of {os.cpu_count()}): {busy}")

        def incoming() -> dict[str, str]:
            return {
                "CallSid": "CA" + uuid.uuid4().hex,
                "From": "+819012345678",
                "To": "+81345009999",
                "CallStatus": "ringing",
            }

        ours, our_cpu = measured_loop(base, "/carrier/twilio/voice", incoming, 10)
    with gunicorn("tests.benchmarks.bare:app", BARE_PORT) as bare:
        ceiling, bare_cpu = measured_loop(bare, "/carrier/twilio/voice", incoming, 10)
    with gunicorn("tests.benchmarks.floor:app", FLOOR_PORT) as floor_base:
        floor, floor_cpu = measured_loop(floor_base, "/carrier/twilio/voice", incoming, 10)
    with gunicorn("tests.benchmarks.floor:raw_app", RAW_PORT) as raw_base:
        raw, raw_cpu = measured_loop(raw_base, "/carrier/twilio/voice", incoming, 10)
    print(
        f"  /carrier/twilio/voice flat out: {ours:.0f} requests/s; bare Flask endpoint: {ceiling:.0f}/s; ratio {ours / ceiling:.2f}"
    )
    print(f"    ours: {our_cpu}")
    print(f"    bare: {bare_cpu}")
    print(
        f"  the same database work alone (tests/benchmarks/floor.py): {floor:.0f}/s, "
        f"{floor / ceiling:.2f} of bare; ours is {ours / floor:.2f} of it"
    )
    print(f"    floor: {floor_cpu}")
    print(f"  the same with psycopg alone: {raw:.0f}/s, {raw / ceiling:.2f} of bare")
    print(f"    psycopg alone: {raw_cpu}")


def rising() -> None:
    """Rising load until p99 of the carrier webhooks passes 50 ms or errors appear."""
    with gunicorn("wsgi:app", PORT) as base:
        print("Rising load on /carrier/twilio/voice + /status (a call is one of each)")
        steady_load(base, rate=100, seconds=3)  # warm every process and connection first
        sustained = 0
        for rate in range(40, 1001, 40):
            measured = steady_load(base, rate=rate, seconds=8)
            both = measured["voice"] + measured["status"]
            p50, p99 = percentile(both, 0.5), percentile(both, 0.99)
            errors = len(measured["errors"])
            print(
                f"  {rate:4d} requests/s ({rate // 2} calls/s): p50 {p50:.1f} ms, p99 {p99:.1f} ms, errors {errors}"
            )
            if p99 > 50 or errors:
                break
            sustained = rate
        print(
            f"  sustained with p99 <= 50 ms and no errors: {sustained} requests/s ({sustained // 2} calls/s)"
        )


def simulation() -> None:
    with gunicorn("wsgi:app", PORT, size=(4, 4)) as base:  # 60 callers at once, as before
        os.environ.update(environment())
        from answering.simulator.scenario import Plan, run
        from wsgi import create_app

        app = create_app()
        print(
            "2,000 simulated calls, callbacks duplicated and shuffled, 40 operators (carrier time x0.01)"
        )
        started = time.perf_counter()
        report = run(
            app,
            Plan(
                calls=2000,
                concurrency=60,
                operators=40,
                duplicate_callbacks=True,
                shuffle_callbacks=True,
                scale=SCALE,
                target=base,
                seed=2000,
            ),
        )
        for line in report.lines():
            print("  " + line)
        for problem in report.incomplete[:10]:
            print("  incomplete: " + problem)
        print(f"  wall time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "all")
