"""The fault battery's own servers: a private PostgreSQL cluster and Redis come up on free ports,
survive the restarts the battery does to them, and leave the machine's shared servers alone."""

from __future__ import annotations

import pytest
import redis
from sqlalchemy import create_engine, text

from tests.faults.stack import private_servers
from tests.services import detect

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def shared_identities() -> tuple[object, object]:
    services = detect()
    assert services.postgres_admin_url
    assert services.redis_url
    engine = create_engine(services.postgres_admin_url)
    with engine.connect() as connection:
        started = connection.scalar(text("SELECT pg_postmaster_start_time()"))
    engine.dispose()
    run_id = redis.Redis.from_url(services.redis_url).info("server")["run_id"]
    return started, run_id


def test_private_servers_restart_and_the_shared_ones_are_untouched() -> None:
    before = shared_identities()
    with private_servers() as (postgres, cache):
        engine = create_engine(postgres.url, pool_pre_ping=True)
        with engine.connect() as connection:
            first = connection.scalar(text("SELECT pg_postmaster_start_time()"))
        postgres.restart()
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT pg_postmaster_start_time()")) > first
        engine.dispose()
        client = redis.Redis.from_url(cache.url)
        client.set("kept", "no")
        cache.kill()
        cache.start()
        assert client.get("kept") is None  # back empty, as a lost Redis comes back
        assert postgres.port != 5432
        assert cache.port != 6379
    assert shared_identities() == before
