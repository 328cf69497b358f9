"""Periodic jobs: a scheduler that enqueues each due run once, and a lock so runs never overlap.

Each periodic job has a period; time is cut into slots of that length and each slot is claimed once
(a Redis `SET NX` on the slot), so two schedulers running side by side enqueue a run once. The run
itself takes a lock named after the job, so a slow run and the next slot's run never overlap.
Without Redis, the scheduler runs jobs in its own process under a thread lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app, has_app_context

from tenants.config import settings_from
from tenants.db import db, utcnow
from tenants.jobs import drain_outbox, job_queue, redis_connection
from tenants.scoping import SYSTEM, set_scope

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    every: timedelta
    run: Callable[[Flask], None]
    #: The longest a run may hold its lock; a crashed run frees it after this.
    lock_timeout: timedelta = timedelta(minutes=30)

    def slot(self, now: datetime) -> int:
        return int(now.timestamp() // self.every.total_seconds())


PERIODIC: dict[str, Periodic] = {}


def periodic(
    name: str, every: timedelta, lock_timeout: timedelta | None = None
) -> Callable[[Callable[[Flask], None]], Callable[[Flask], None]]:
    """Register `fn(app)` to run every `every`; it opens its own transactions (see `in_system_scope`)."""

    def register(fn: Callable[[Flask], None]) -> Callable[[Flask], None]:
        PERIODIC[name] = Periodic(name, every, fn, lock_timeout or timedelta(minutes=30))
        return fn

    return register


@contextmanager
def in_system_scope(app: Flask) -> Iterator[None]:
    """An application context whose transaction sees every shop and commits once at the end."""
    with app.app_context():
        set_scope(db.session, SYSTEM)
        try:
            yield
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise


@periodic("drain-outbox", every=timedelta(seconds=15), lock_timeout=timedelta(minutes=5))
def _drain(app: Flask) -> None:
    count = drain_outbox(app)
    if count:
        log.info("outbox drain handed over %d job(s)", count)


_local_locks: dict[str, threading.Lock] = {}


@contextmanager
def overlap_lock(app: Flask, job: Periodic) -> Iterator[bool]:
    """Yield True when this run holds the job's lock, False when another run still holds it."""
    if settings_from(app.config).redis_url is None:
        lock = _local_locks.setdefault(job.name, threading.Lock())
        acquired = lock.acquire(blocking=False)
        try:
            yield acquired
        finally:
            if acquired:
                lock.release()
        return
    redis_lock = redis_connection(app).lock(
        f"answering:periodic-lock:{job.name}",
        timeout=job.lock_timeout.total_seconds(),
        blocking=False,
    )
    acquired = redis_lock.acquire()
    try:
        yield acquired
    finally:
        if acquired:
            redis_lock.release()


def run_periodic(name: str) -> None:
    """Run one periodic job now, unless a run of it is still going (the RQ entry point)."""
    if not has_app_context():
        raise RuntimeError(
            "jobs run inside the application: start workers with `flask tenants worker`"
        )
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    run_periodic_in(app, name)


def run_periodic_in(app: Flask, name: str) -> bool:
    """Run it; return False when skipped because a previous run holds the lock."""
    job = PERIODIC[name]
    with overlap_lock(app, job) as acquired:
        if not acquired:
            log.warning("periodic job %s skipped: the previous run is still going", name)
            return False
        job.run(app)
        return True


class Scheduler:
    """Enqueues each periodic job once per slot; run one or several, they agree through Redis."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.last_slot: dict[str, int] = {}

    def tick(self, now: datetime | None = None) -> list[str]:
        """Start every job whose slot has come; return their names."""
        now = now or utcnow()
        started = []
        for job in PERIODIC.values():
            slot = job.slot(now)
            if self.last_slot.get(job.name) == slot:
                continue
            self.last_slot[job.name] = slot
            if self._claim(job, slot):
                self._start(job, slot)
                started.append(job.name)
        return started

    def _claim(self, job: Periodic, slot: int) -> bool:
        if settings_from(self.app.config).redis_url is None:
            return True
        ttl = max(int(job.every.total_seconds() * 2), 60)
        claimed = redis_connection(self.app).set(
            f"answering:periodic-slot:{job.name}:{slot}", "1", nx=True, ex=ttl
        )
        return bool(claimed)

    def _start(self, job: Periodic, slot: int) -> None:
        if settings_from(self.app.config).redis_url is None:
            try:
                run_periodic_in(self.app, job.name)
            except Exception:
                log.exception("periodic job %s failed", job.name)
            return
        job_queue(self.app).enqueue_call(
            run_periodic, args=(job.name,), job_id=f"periodic-{job.name}-{slot}", result_ttl=3600
        )

    def run_forever(self, stop: threading.Event, interval: float = 1.0) -> None:
        log.info("scheduler started with %s", ", ".join(sorted(PERIODIC)))
        while not stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("scheduler tick failed; trying again")
            stop.wait(interval)
