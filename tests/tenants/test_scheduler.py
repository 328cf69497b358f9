"""Periodic jobs: each slot starts once, however many schedulers run; runs never overlap."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from tenants.jobs import job_queue
from tenants.scheduler import PERIODIC, Periodic, Scheduler, overlap_lock, run_periodic_in

RUNS: list[str] = []


@pytest.fixture
def counting_job() -> Iterator[Periodic]:
    job = Periodic("test-count", timedelta(minutes=1), lambda app: RUNS.append("ran"))
    PERIODIC[job.name] = job
    RUNS.clear()
    yield job
    del PERIODIC[job.name]


def test_in_process_scheduler_runs_each_slot_once(app: Flask, counting_job: Periodic) -> None:
    one = Scheduler(app)
    t0 = datetime(2026, 11, 24, 9, 0, 10, tzinfo=UTC)
    assert "test-count" in one.tick(t0)
    assert "test-count" not in one.tick(t0 + timedelta(seconds=30))
    assert "test-count" in one.tick(t0 + timedelta(minutes=1))
    assert RUNS == ["ran", "ran"]


def test_a_running_job_is_not_started_again(app: Flask, counting_job: Periodic) -> None:
    with overlap_lock(app, counting_job) as first:
        assert first
        assert run_periodic_in(app, counting_job.name) is False
    assert run_periodic_in(app, counting_job.name) is True
    assert RUNS == ["ran"]


@pytest.fixture
def redis_app(app: Flask) -> Iterator[Flask]:
    from tests.services import detect

    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = dataclasses.replace(settings, redis_url=detect().redis_url)
    app.extensions.pop("redis", None)
    job_queue(app).empty()
    try:
        yield app
    finally:
        job_queue(app).empty()
        app.config["SETTINGS"] = settings
        app.extensions.pop("redis", None)


@pytest.mark.redis
def test_two_schedulers_enqueue_a_slot_once(redis_app: Flask, counting_job: Periodic) -> None:
    from tenants.jobs import redis_connection

    now = datetime.now(UTC)
    key = f"answering:periodic-slot:test-count:{counting_job.slot(now)}"
    redis_connection(redis_app).delete(key)
    first, second = Scheduler(redis_app), Scheduler(redis_app)
    started = first.tick(now) + second.tick(now)
    assert started.count("test-count") == 1
    assert job_queue(redis_app).count >= 1


@pytest.mark.redis
def test_redis_lock_keeps_runs_apart_across_processes(
    redis_app: Flask, counting_job: Periodic
) -> None:
    outcome: list[bool] = []
    with overlap_lock(redis_app, counting_job) as held:
        assert held
        other = threading.Thread(
            target=lambda: outcome.append(run_periodic_in(redis_app, counting_job.name))
        )
        other.start()
        other.join()
    assert outcome == [False]
    assert run_periodic_in(redis_app, counting_job.name) is True
