"""When the database cannot be reached (restarting, failing over), requests answer 503 with
Retry-After, which the carrier and API clients retry, instead of a 500 that looks like a bug."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from tests.conftest import build_app
from tests.faults.stack import free_port


def test_a_request_while_the_database_is_away_answers_503_with_retry_after() -> None:
    nothing_listens = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/answering"
    app = build_app(nothing_listens, TESTING=False)
    client = app.test_client()
    api = client.get("/api/v1/me", headers={"Authorization": "Bearer ans_not-checked-yet"})
    assert api.status_code == 503
    assert api.headers["Retry-After"] == "1"
    assert api.mimetype == "application/problem+json"
    assert api.get_json()["detail"] == "The service is briefly unavailable; try again in a moment."


@pytest.mark.postgres  # SQLite has no server to close a connection
def test_a_pooled_connection_the_server_closed_while_idle_is_replaced_before_use(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a database restart or an idle timeout, a connection that sat in the pool is dead: it
    is checked and replaced before a request uses it, so the request does not fail."""
    from tenants import database
    from tenants.db import db

    other = build_app(app.config["SQLALCHEMY_DATABASE_URI"])  # its own engine and pool
    admin = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], isolation_level="AUTOCOMMIT")

    def pooled_backend_closed_by_the_server() -> int:
        with other.app_context(), db.engine.connect() as connection:
            pid = int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        with admin.connect() as connection:  # as a restart or an idle timeout would
            connection.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
        return pid

    try:
        with other.app_context():
            db.engine.dispose()
            closed = pooled_backend_closed_by_the_server()
            monkeypatch.setattr(database, "IDLE_CHECK_S", 0.0)  # it has sat long enough
            with db.engine.connect() as connection:
                now = int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
            assert now != closed
            closed = pooled_backend_closed_by_the_server()
            monkeypatch.setattr(database, "IDLE_CHECK_S", 3600.0)  # used a moment ago: not checked
            with pytest.raises(OperationalError), db.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            db.engine.dispose()
    finally:
        admin.dispose()
