"""Binding the database to the application: engines, SQLite's pragmas, Alembic."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import Migrate
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from tenants.db import db

#: A pooled connection unused for longer than this is checked (one `SELECT 1`) before a request gets
#: it. A busy process's connections are never idle that long, so its requests skip the check.
IDLE_CHECK_S = 10.0
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
migrate = Migrate(compare_type=True, compare_server_default=True)


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection: Any, record: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        # Let SQLAlchemy issue BEGIN itself, so savepoints work (the pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        # Take the write lock at the start: a transaction that reads and then writes cannot be
        # refused half-way ("database is locked") when another request writes at the same time;
        # it waits its turn (busy_timeout) instead. The embedded mode serves one machine.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def init_app(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    with app.app_context():
        _check_idle_connections(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=uri.startswith("sqlite"))


def _check_idle_connections(engine: Engine) -> None:
    """Instead of SQLAlchemy's `pool_pre_ping`, a round trip before every request, only a
    connection that sat idle is checked; a dead one is replaced before the request uses it.

    A database restart under load then costs the requests in flight and, in each process, the
    next one, whose error makes SQLAlchemy drop the whole pool; the carrier retries them."""
    if engine.dialect.name == "sqlite":
        return

    @event.listens_for(engine, "checkin")
    def _note(dbapi_connection: Any, entry: ConnectionPoolEntry) -> None:
        entry.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(
        dbapi_connection: Any, entry: ConnectionPoolEntry, proxy: PoolProxiedConnection
    ) -> None:
        idle_since = entry.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_CHECK_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as lost:  # the pool discards it and checks out a fresh connection
            raise DisconnectionError("an idle pooled connection was closed by the server") from lost
