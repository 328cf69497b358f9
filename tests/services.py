"""Which outside services the suite runs on: PostgreSQL and Redis when they answer, SQLite otherwise.

With CI=true both are required: their absence stops the run instead of skipping tests.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from functools import cache

import redis
from sqlalchemy import create_engine, make_url, text

CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@dataclass(frozen=True)
class Services:
    postgres_admin_url: str | None
    redis_url: str | None
    chromium: str | None

    def missing(self) -> list[str]:
        names = []
        if self.postgres_admin_url is None:
            names.append("PostgreSQL")
        if self.redis_url is None:
            names.append("Redis")
        if self.chromium is None:
            names.append(f"Chromium ({CHROMIUM})")
        return names


def _postgres() -> str | None:
    url = os.environ.get("DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    if not url.startswith("postgresql"):
        return None
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return None
    finally:
        engine.dispose()
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def _redis() -> str | None:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception:
        return None
    return url


@cache
def detect() -> Services:
    chromium = CHROMIUM if shutil.which(CHROMIUM) else None
    return Services(_postgres(), _redis(), chromium)
