"""The suite's database, application and helpers.

Each test worker gets its own database, built once by running the migrations; each test runs inside
a transaction that is rolled back at its end (every session of every request joins it through a
savepoint), so tests never see each other's rows.
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from tests.services import CI, detect
from tests.smtp import SmtpStandIn


def pytest_configure(config: pytest.Config) -> None:
    # One name for this run's databases, shared by its workers (they inherit the environment),
    # so two runs on one server never drop each other's databases.
    os.environ.setdefault("ANSWERING_TEST_RUN", uuid.uuid4().hex[:8])
    services = detect()
    if CI and services.missing():
        raise pytest.UsageError(
            f"CI=true and {', '.join(services.missing())} did not answer: the suite needs them in CI."
        )


CREATED_DATABASES: list[str] = []


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop the databases this process made (each xdist worker drops its own)."""
    admin = detect().postgres_admin_url
    if admin is None or not CREATED_DATABASES:
        return
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for name in CREATED_DATABASES:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    services = detect()
    reasons = {
        "postgres": (services.postgres_admin_url, "PostgreSQL is not running"),
        "redis": (services.redis_url, "Redis is not running"),
        "browser": (services.chromium, "Debian's chromium is not installed"),
    }
    for item in items:
        for marker, (available, reason) in reasons.items():
            if item.get_closest_marker(marker) and available is None:
                item.add_marker(pytest.mark.skip(reason=f"{reason} (set CI=true to require it)"))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    services = detect()
    missing = services.missing()
    skipped = [
        r.nodeid
        for r in terminalreporter.stats.get("skipped", [])
        if "set CI=true to require it" in str(r.longrepr)
    ]
    if missing or skipped:
        bar = "!" * 78
        terminalreporter.write_line(bar, red=True, bold=True)
        terminalreporter.write_line(
            f"NOT RUN ON THE REAL SERVICES: {', '.join(missing) or 'none missing'}; "
            f"{len(skipped)} test(s) skipped:",
            red=True,
            bold=True,
        )
        for nodeid in skipped:
            terminalreporter.write_line(f"  skipped: {nodeid}", red=True)
        terminalreporter.write_line(bar, red=True, bold=True)
    else:
        backend = "PostgreSQL" if services.postgres_admin_url else "SQLite"
        terminalreporter.write_line(f"Database under test: {backend}; Redis: {services.redis_url}")


# --- the database ------------------------------------------------------------------------------


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def fresh_database_url(suffix: str, tmp_root: Path) -> str:
    """An empty database for this worker: PostgreSQL when it runs, else an SQLite file."""
    admin = detect().postgres_admin_url
    name = f"answering_test_{os.environ['ANSWERING_TEST_RUN']}_{_worker()}_{suffix}"
    if admin is None:
        path = tmp_root / f"{name}.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    CREATED_DATABASES.append(name)
    return admin.rsplit("/", 1)[0] + f"/{name}"


def build_app(database_url: str, **overrides: Any) -> Flask:
    from wsgi import create_app

    config: dict[str, Any] = {
        "DATABASE_URL": database_url,
        "REDIS_URL": "",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "PUBLIC_BASE_URL": "http://localhost",
        "LOG_JSON": "false",
        "TESTING": True,
        "RQ_QUEUE": f"test-{_worker()}-{os.getpid()}",
        "WEBHOOK_ALLOW_PRIVATE": True,  # the test receiver listens on 127.0.0.1
        # Property tests post hundreds of callbacks a second; the limit has its own test.
        "CARRIER_WEBHOOK_LIMIT": "100000 per second",
        "STORAGE_URL": f"file://{tempfile.mkdtemp(prefix='answering-storage-')}",
    }
    config.update(overrides)
    return create_app(config)


def migrate(app: Flask) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpStandIn]:
    server = SmtpStandIn()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def app(smtp: SmtpStandIn, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    from tenants.db import db

    url = fresh_database_url("main", tmp_path_factory.mktemp("db"))
    application = build_app(url, MAIL_URL=smtp.url)
    migrate(application)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _rolled_back(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test that uses the application runs inside one transaction, rolled back at its end."""
    if "app" not in request.fixturenames:
        yield
        return
    application: Flask = request.getfixturevalue("app")
    from tenants.db import db
    from tenants.web import limiter

    # Flask-SQLAlchemy binds sessions to the engine it keeps per application; putting one connection,
    # already inside a transaction, in the engine's place makes every session of the test join that
    # transaction through a savepoint (join_transaction_mode="create_savepoint").
    limiter.reset()
    request.getfixturevalue("smtp").messages.clear()
    engines = db._app_engines[application]
    engine = engines[None]
    connection = engine.connect()
    transaction = connection.begin()
    engines[None] = connection
    try:
        yield
    finally:
        engines[None] = engine
        transaction.rollback()
        connection.close()


@contextmanager
def system(app: Flask) -> Iterator[Any]:
    """An application context over every shop, for arranging a test; commits into the test's transaction."""
    from tenants.db import db
    from tenants.scoping import SYSTEM, set_scope

    with app.app_context():
        set_scope(db.session, SYSTEM)
        yield db.session
        db.session.commit()


# --- the web client --------------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client: FlaskClient, page: str) -> str:
    html = client.get(page).get_data(as_text=True)
    found = CSRF_RE.search(html)
    assert found, f"no CSRF token on {page}"
    return found.group(1)


def log_in(client: FlaskClient, email: str, password: str) -> Any:
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
