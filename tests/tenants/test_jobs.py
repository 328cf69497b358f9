"""Jobs run after commit, never after rollback, in their shop's scope; failures wait in the outbox."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, text

from tenants.db import db, utcnow
from tenants.jobs import drain_outbox, enqueue_after_commit, job_queue, redis_connection, task
from tenants.models import AuditEvent, OutboxJob
from tenants.scoping import SYSTEM, set_scope
from tests.conftest import system
from tests.factories import make_shop


@task
def note_in_audit(*, note: str, shop_id: uuid.UUID | None = None) -> None:
    db.session.add(AuditEvent(action="test.job", target=note, shop_id=shop_id))


@task
def note_visible_memberships(*, shop_id: uuid.UUID) -> None:
    seen = db.session.execute(text("SELECT DISTINCT shop_id FROM shop_memberships")).scalars().all()
    db.session.add(
        AuditEvent(
            action="test.scope", target=",".join(sorted(str(s) for s in seen)), shop_id=shop_id
        )
    )


@task
def always_fails(*, note: str) -> None:
    db.session.add(AuditEvent(action="test.partial", target=note))
    raise RuntimeError("the outside system said no")


def notes(app: Flask, action: str = "test.job") -> list[str | None]:
    with system(app) as session:
        return list(session.scalars(select(AuditEvent.target).where(AuditEvent.action == action)))


def outbox(app: Flask) -> list[OutboxJob]:
    with system(app) as session:
        rows = list(session.scalars(select(OutboxJob)))
        session.expunge_all()
        return rows


def test_job_runs_once_the_transaction_commits(app: Flask) -> None:
    with system(app):
        enqueue_after_commit(note_in_audit, note="hello")
        # Inside the transaction the job has not run yet.
        assert (
            db.session.scalars(select(AuditEvent).where(AuditEvent.action == "test.job")).all()
            == []
        )
    assert notes(app) == ["hello"]
    assert [row.state for row in outbox(app)] == ["done"]


def test_rolled_back_transaction_runs_nothing(app: Flask) -> None:
    with app.app_context():
        set_scope(db.session, SYSTEM)
        enqueue_after_commit(note_in_audit, note="never")
        db.session.rollback()
    assert notes(app) == []
    assert outbox(app) == []


def test_same_key_is_recorded_once(app: Flask) -> None:
    with system(app):
        enqueue_after_commit(note_in_audit, note="once")
        enqueue_after_commit(note_in_audit, note="once")
    assert notes(app) == ["once"]


@pytest.mark.postgres
def test_shop_job_runs_in_its_shops_scope(app: Flask) -> None:
    alpha = make_shop(app, "alpha")
    make_shop(app, "beta")
    with system(app):
        enqueue_after_commit(note_visible_memberships, shop_id=uuid.UUID(alpha["shop_id"]))
    assert notes(app, "test.scope") == [alpha["shop_id"]]


def test_failure_is_kept_with_its_error_and_retried_later(app: Flask) -> None:
    with system(app):
        enqueue_after_commit(always_fails, note="x")
    [row] = outbox(app)
    assert row.state == "pending"
    assert row.attempts == 1
    assert row.last_error == "RuntimeError: the outside system said no"
    assert row.run_after > utcnow() + timedelta(seconds=20)
    assert notes(app, "test.partial") == []  # the failed job's writes were rolled back
    assert drain_outbox(app) == 0  # not due yet
    with system(app) as session:
        session.get(OutboxJob, row.id).run_after = utcnow() - timedelta(seconds=1)
        session.get(OutboxJob, row.id).created_at = utcnow() - timedelta(minutes=1)
    assert drain_outbox(app) == 1
    [row] = outbox(app)
    assert row.attempts == 2


def test_drain_runs_a_job_whose_hand_over_was_lost(app: Flask) -> None:
    with system(app) as session:
        session.add(
            OutboxJob(
                key="lost",
                task=f"{__name__}.note_in_audit",
                kwargs={"note": "late"},
                state="pending",
                attempts=0,
                run_after=utcnow(),
                created_at=utcnow() - timedelta(minutes=5),
            )
        )
    assert drain_outbox(app) == 1
    assert notes(app) == ["late"]


@pytest.fixture
def with_redis(app: Flask) -> Iterator[Flask]:
    from tests.services import detect

    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = dataclasses.replace(settings, redis_url=detect().redis_url)
    app.extensions.pop("redis", None)
    queue = job_queue(app)
    queue.empty()
    try:
        yield app
    finally:
        queue.empty()
        app.config["SETTINGS"] = settings
        app.extensions.pop("redis", None)


def work_off(app: Flask) -> None:
    from rq import SimpleWorker

    with app.app_context():
        SimpleWorker([job_queue(app)], connection=redis_connection(app)).work(burst=True)


@pytest.mark.redis
def test_with_redis_the_job_waits_for_a_worker(with_redis: Flask) -> None:
    app = with_redis
    with system(app):
        enqueue_after_commit(note_in_audit, note="queued")
    assert notes(app) == []
    assert job_queue(app).count == 1
    work_off(app)
    assert notes(app) == ["queued"]
    assert [row.state for row in outbox(app)] == ["done"]


@pytest.mark.redis
def test_with_redis_a_job_run_twice_has_effect_once(with_redis: Flask) -> None:
    app = with_redis
    with system(app):
        outbox_id = str(enqueue_after_commit(note_in_audit, note="twice").id)
    work_off(app)
    job_queue(app).enqueue_call("tenants.jobs.perform", args=(outbox_id,))
    work_off(app)
    assert notes(app) == ["twice"]


def test_a_job_for_later_waits_until_it_is_due(app: Flask) -> None:
    with system(app):
        enqueue_after_commit(note_in_audit, note="later", delay=timedelta(minutes=1))
    assert notes(app) == []  # not at commit
    with system(app) as session:
        [row] = session.scalars(select(OutboxJob)).all()
        assert timedelta(seconds=55) < row.run_after - utcnow() <= timedelta(minutes=1)
        row.created_at = utcnow() - timedelta(minutes=5)
    assert drain_outbox(app) == 0  # not due yet
    with system(app) as session:
        session.scalars(select(OutboxJob)).one().run_after = utcnow()
    assert drain_outbox(app) == 1
    assert notes(app) == ["later"]


@pytest.mark.redis
def test_with_redis_a_job_for_later_is_handed_to_a_worker_at_its_time(with_redis: Flask) -> None:
    from rq import SimpleWorker
    from rq.registry import ScheduledJobRegistry

    app = with_redis
    with system(app):
        outbox_id = enqueue_after_commit(
            note_in_audit, note="on time", delay=timedelta(seconds=2)
        ).id
    queue = job_queue(app)
    assert queue.count == 0
    assert f"outbox-{outbox_id}" in ScheduledJobRegistry(queue=queue).get_job_ids()
    assert drain_outbox(app) == 0  # RQ's schedule holds it: the drain leaves it there

    def scheduler_and_worker() -> None:  # what `flask tenants worker` runs
        with app.app_context():
            worker = SimpleWorker([queue], connection=redis_connection(app))
            worker.work(burst=True, with_scheduler=True)

    scheduler_and_worker()
    assert notes(app) == []  # not before its time
    time.sleep(2.2)
    scheduler_and_worker()
    assert notes(app) == ["on time"]
    assert [row.state for row in outbox(app)] == ["done"]
