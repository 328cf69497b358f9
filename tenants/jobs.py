"""Jobs: decided inside a transaction, written to the outbox with it, run only after it commits.

`enqueue_after_commit` writes an `OutboxJob` row in the caller's transaction and, once that
transaction commits, hands the row's id to RQ (or, without `REDIS_URL`, runs it in-process). A job
carries its `shop_id`; `perform` re-establishes that scope, runs the task and commits once. A failed
job stays in the outbox with its error and is retried with backoff by the periodic drain, which also
picks up rows whose hand-over to Redis was lost (DESIGN.md section 6).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, ParamSpec, TypeVar

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tenants.config import settings_from
from tenants.db import db, new_id, utcnow
from tenants.models import OutboxJob
from tenants.scoping import SYSTEM, Scope, set_scope

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

_TASKS: dict[str, Callable[..., None]] = {}
_PENDING = "outbox_pending"
MAX_ATTEMPTS = 8
#: Fresh rows are left to their own after-commit hand-over for this long before the drain takes them.
DRAIN_GRACE = timedelta(seconds=10)


def task(fn: Callable[P, None]) -> Callable[P, None]:
    """Register a job function. It takes keyword arguments only (and `shop_id` for a shop's job)."""
    _TASKS[task_name(fn)] = fn
    return fn


def task_name(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def enqueue_after_commit(
    fn: Callable[..., None],
    *,
    shop_id: uuid.UUID | None = None,
    key: str | None = None,
    delay: timedelta | None = None,
    **kwargs: Any,
) -> OutboxJob:
    """Record a job in the current transaction; it runs once the transaction commits, or with
    `delay` that long after (with Redis, RQ's scheduler hands it to a worker at that moment;
    without, the drain runs it once it is due).

    The same `key` (by default: task, shop and arguments) is recorded once, so a request that runs
    twice asks for the work once.
    """
    name = task_name(fn)
    if name not in _TASKS:
        raise LookupError(f"{name} is not a registered task")
    payload = json.dumps(kwargs, sort_keys=True, default=str)
    key = key or f"{name}:{shop_id or '-'}:{hashlib.sha256(payload.encode()).hexdigest()[:32]}"
    existing = db.session.scalar(select(OutboxJob).where(OutboxJob.key == key))
    if existing is not None:
        return existing
    row = OutboxJob(
        id=new_id(),
        key=key,
        task=name,
        shop_id=shop_id,
        kwargs=json.loads(payload),
        state="pending",
        attempts=0,
        run_after=utcnow() + (delay or timedelta(0)),
    )
    db.session.add(row)
    not_before = row.run_after if delay else None
    db.session.info.setdefault(_PENDING, []).append((row.id, not_before))
    return row


@event.listens_for(Session, "after_commit")
def _dispatch_committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    if pending and has_app_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        for outbox_id, not_before in pending:
            dispatch(app, outbox_id, not_before)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


def dispatch(app: Flask, outbox_id: uuid.UUID, not_before: datetime | None = None) -> None:
    """Hand a committed outbox row to the job runner, or, when it is for later, to RQ's schedule
    (without Redis, the drain runs it once due); a lost hand-over is repaired by the drain."""
    later = not_before is not None and not_before > utcnow()
    settings = settings_from(app.config)
    if settings.redis_url is None:
        if not later:
            run_outbox_job(app, outbox_id, reraise=False)
        return
    try:
        queue = job_queue(app)
        job_id = f"outbox-{outbox_id}"
        if later:
            queue.enqueue_at(not_before, perform, str(outbox_id), job_id=job_id, result_ttl=3600)
        else:
            queue.enqueue_call(perform, args=(str(outbox_id),), job_id=job_id, result_ttl=3600)
    except Exception:
        log.exception("could not hand outbox job %s to Redis; the drain will retry", outbox_id)


def job_queue(app: Flask) -> Any:
    from rq import Queue

    return Queue(app.config.get("RQ_QUEUE", "default"), connection=redis_connection(app))


def redis_connection(app: Flask) -> Any:
    """One Redis client per application (thread-safe, pooled)."""
    from redis import Redis

    client = app.extensions.get("redis")
    if client is None:
        url = settings_from(app.config).redis_url
        if url is None:
            raise RuntimeError("REDIS_URL is not set")
        client = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        app.extensions["redis"] = client
    return client


_worker_pid = os.getpid()


def perform(outbox_id: str) -> None:
    """The RQ entry point, run by `flask tenants worker` inside the application."""
    global _worker_pid
    if not has_app_context():
        raise RuntimeError(
            "jobs run inside the application: start workers with `flask tenants worker`"
        )
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if os.getpid() != _worker_pid:
        # A forked work horse must not share its parent's database connections.
        _worker_pid = os.getpid()
        with app.app_context():
            db.engine.dispose(close=False)
    run_outbox_job(app, uuid.UUID(outbox_id), reraise=True)


def run_outbox_job(app: Flask, outbox_id: uuid.UUID, *, reraise: bool) -> None:
    """Run one outbox row in its shop's scope and commit once; record a failure for the drain."""
    with app.app_context():
        session = db.session()
        set_scope(session, SYSTEM)
        row = _claim(session, outbox_id)
        if row is None:
            return
        fn = _TASKS.get(row.task)
        kwargs = dict(row.kwargs)
        if row.shop_id is not None:
            kwargs["shop_id"] = row.shop_id
            set_scope(session, Scope(shop_id=row.shop_id))
        try:
            if fn is None:
                raise LookupError(f"no task named {row.task}")
            fn(**kwargs)
            row.state, row.done_at, row.attempts = "done", utcnow(), row.attempts + 1
            session.commit()
        except Exception as exc:
            session.rollback()
            _record_failure(session, outbox_id, exc)
            if reraise:
                raise
            log.exception("job %s (%s) failed", outbox_id, row.task)


def _claim(session: Session, outbox_id: uuid.UUID) -> OutboxJob | None:
    query = select(OutboxJob).where(OutboxJob.id == outbox_id, OutboxJob.state == "pending")
    if session.get_bind().dialect.name == "postgresql":
        # Another worker already running this row holds its lock: leave it to them.
        query = query.with_for_update(skip_locked=True)
    return session.scalar(query)


def _record_failure(session: Session, outbox_id: uuid.UUID, exc: Exception) -> None:
    set_scope(session, SYSTEM)
    row = session.get(OutboxJob, outbox_id)
    if row is None:
        return
    row.attempts += 1
    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    row.run_after = utcnow() + backoff(row.attempts)
    if row.attempts >= MAX_ATTEMPTS:
        row.state = "failed"
    session.commit()


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def drain_outbox(app: Flask, limit: int = 200) -> int:
    """Hand over every pending row that is due and was not run; return how many.

    A row being run now is locked by its job and skipped; a row whose job still waits in Redis
    is left to it. Otherwise a backlog that takes longer than `DRAIN_GRACE` to work through
    would be queued again at every drain, and grow with each.
    """
    with app.app_context():
        set_scope(db.session, SYSTEM)
        now = utcnow()
        query = (
            select(OutboxJob.id)
            .where(
                OutboxJob.state == "pending",
                OutboxJob.run_after <= now,
                OutboxJob.created_at <= now - DRAIN_GRACE,
            )
            .order_by(OutboxJob.run_after)
            .limit(limit)
        )
        if db.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = db.session.scalars(query).all()
        db.session.rollback()
    ids = [outbox_id for outbox_id in ids if not _waiting_in_redis(app, outbox_id)]
    for outbox_id in ids:
        dispatch(app, outbox_id)
    return len(ids)


def _waiting_in_redis(app: Flask, outbox_id: uuid.UUID) -> bool:
    """Whether this row's job is in Redis and not yet taken by a worker (or due later there).

    A job "started" by a worker that died is not waiting: the row is not locked, so it is run
    again. Without Redis (or when it cannot answer) nothing is waiting.
    """
    if settings_from(app.config).redis_url is None:
        return False
    from rq.job import Job, JobStatus

    connection = redis_connection(app)
    try:
        (job,) = Job.fetch_many([f"outbox-{outbox_id}"], connection=connection)
        if job is None:
            return False
        status = job.get_status(refresh=False)
        if status == JobStatus.QUEUED:
            # Still in its queue's list: a worker that took it and died before marking it
            # started leaves it "queued" in name only.
            return connection.lpos(f"rq:queue:{job.origin}", job.id) is not None
    except Exception:
        log.warning("could not ask Redis about outbox job %s; handing it over", outbox_id)
        return False
    return status in (JobStatus.SCHEDULED, JobStatus.DEFERRED)
