"""Migrations: one head, descriptive file names, models and migrations agree, empty → head → empty."""

from __future__ import annotations

import re
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import check, downgrade, upgrade
from sqlalchemy import inspect, select, text

from tests.conftest import build_app, fresh_database_url

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"
NAME = re.compile(r"^\d{8}_\d{4}_[0-9a-f]{12}_[a-z0-9_]{8,}\.py$")


def script_directory(app: Flask) -> ScriptDirectory:
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        return ScriptDirectory.from_config(config)


def test_there_is_one_head(tmp_path: Path) -> None:
    app = build_app(f"sqlite:///{tmp_path / 'unused.db'}")
    assert len(script_directory(app).get_heads()) == 1


def test_file_names_are_dated_and_descriptive() -> None:
    names = [p.name for p in VERSIONS.glob("*.py")]
    assert names, "no migrations found"
    assert [n for n in names if not NAME.match(n)] == []


def test_upgrade_from_empty_matches_the_models_and_goes_back(tmp_path: Path) -> None:
    # Its own database: Alembic commits on its connection, which the per-test transaction forbids.
    scratch = build_app(fresh_database_url("scratch", tmp_path))
    with scratch.app_context():
        from tenants.db import db

        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"shops", "users", "shop_memberships", "api_tokens", "job_outbox"} <= tables
        check()  # raises when autogenerate would write something
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        db.engine.dispose()


def test_the_embedded_database_goes_to_head_back_to_empty_and_up_again(tmp_path: Path) -> None:
    """SQLite (`make run`): every table and every call-setup trigger is there after an upgrade,
    gone after a downgrade to empty, and back after upgrading again (batch mode rebuilds tables
    that triggers name)."""
    scratch = build_app(f"sqlite:///{tmp_path / 'embedded.db'}")
    with scratch.app_context():
        from tenants.db import db

        def schema() -> tuple[set[str], set[str]]:
            with db.engine.connect() as connection:
                rows = connection.exec_driver_sql(
                    "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger')"
                ).all()
            return {n for t, n in rows if t == "table"}, {n for t, n in rows if t == "trigger"}

        upgrade()
        tables, triggers = schema()
        assert {"shops", "calls", "queues"} <= tables
        assert {"shops_call_setup", "coverage_versions_call_setup_insert"} <= triggers
        downgrade(revision="base")
        assert schema() == ({"alembic_version"}, set())
        upgrade()
        assert schema() == (tables, triggers)
        db.engine.dispose()


def test_queue_keys_already_in_use_get_a_queue_named_as_the_key(tmp_path: Path) -> None:
    """Existing databases: the shared queue, and each key a shop or a skill uses, get their row."""
    from scheduling.models import OperatorSkill, Queue, ShopQueue
    from tenants import services
    from tenants.db import db
    from tenants.models import StaffRole
    from tenants.scoping import SYSTEM, set_scope

    scratch = build_app(fresh_database_url("queues", tmp_path))
    with scratch.app_context():
        upgrade(revision="798cec6c8a6f")
        set_scope(db.session, SYSTEM)
        shop = services.create_shop(slug="alpha", name="alpha", name_kana="アルファ")
        person = services.create_user(
            email="op@answering.example.jp",
            display_name="op",
            password="correct-horse-battery",
            staff_role=StaffRole.OPERATOR,
        )
        db.session.flush()
        db.session.add(ShopQueue(shop_id=shop.id, queue="A班"))
        for key in ("B班", "ｂ班", "team-default"):  # ｂ班 reads as B班: it gets a number
            db.session.add(OperatorSkill(user_id=person.id, queue=key))
        db.session.commit()

        upgrade()
        named = {q.key: q.name for q in db.session.scalars(select(Queue))}
        assert named == {
            "team-default": "共通キュー",
            "A班": "A班",
            "B班": "B班",
            "ｂ班": "ｂ班 (2)",
        }
        db.session.commit()
        downgrade(revision="e035a3a2435a")  # the backfill again: nothing doubled, nothing renamed
        upgrade()
        assert {q.key: q.name for q in db.session.scalars(select(Queue))} == named
        db.session.commit()
        db.engine.dispose()


def test_the_seeded_shift_patterns_are_renamed_unless_a_supervisor_took_the_name(
    tmp_path: Path,
) -> None:
    from scheduling.models import ShiftPattern
    from tenants.db import db
    from tenants.scoping import SYSTEM, set_scope

    scratch = build_app(fresh_database_url("patterns", tmp_path))
    with scratch.app_context():
        upgrade(revision="03ea157e6395")
        set_scope(db.session, SYSTEM)
        db.session.add(ShiftPattern(name="8時間勤務", work_minutes=450))  # a supervisor's own
        db.session.commit()

        upgrade()
        minutes = {p.name: p.work_minutes for p in db.session.scalars(select(ShiftPattern))}
        assert minutes == {"4時間勤務": 240, "8h": 480, "8時間勤務": 450}
        db.session.commit()
        downgrade(revision="03ea157e6395")
        names = sorted(db.session.scalars(select(ShiftPattern.name)))
        assert names == ["4h", "8h", "8時間勤務"]
        db.session.commit()
        db.engine.dispose()


def test_existing_queues_get_their_compared_names_and_a_racing_twin_is_left_without(
    tmp_path: Path,
) -> None:
    from scheduling.models import Queue
    from tenants.db import db

    scratch = build_app(fresh_database_url("queue_names", tmp_path))
    with scratch.app_context():
        upgrade(revision="7a1c5e2b9d40")
        stamp = "2026-11-24 10:00:00+00:00"
        for key, name, minute in (
            ("food", "ＦＯＯＤ", 1),
            ("drinks", "飲料", 2),
            ("x", "飲 料", 3),
        ):
            db.session.execute(  # as the release before wrote them, without a compared name
                text("INSERT INTO queues (key, name, created_at) VALUES (:k, :n, :at)"),
                {"k": key, "n": name, "at": stamp.replace(":00:", f":0{minute}:")},
            )
        db.session.commit()

        upgrade()
        compared = {q.key: q.name_key for q in db.session.scalars(select(Queue))}
        assert compared == {
            "team-default": "共通キュー",
            "food": "food",
            "drinks": "飲料",
            "x": None,
        }
        db.session.commit()
        downgrade(revision="7a1c5e2b9d40")
        upgrade()
        db.session.commit()
        db.engine.dispose()
