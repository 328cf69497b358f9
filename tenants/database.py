"""Binding the database to the application: engines, SQLite's pragmas, Alembic."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import Migrate
from sqlalchemy import Connection, Engine, event

from tenants.db import db

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
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=uri.startswith("sqlite"))
