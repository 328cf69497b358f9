"""Alembic environment: the application's engine and metadata, safe locking on PostgreSQL."""

import logging

from alembic import context
from flask import current_app
from sqlalchemy import text

log = logging.getLogger("alembic.env")
config = context.config
migrate_ext = current_app.extensions["migrate"]
target_metadata = migrate_ext.db.metadata


def process_revision_directives(context_, revision, directives):
    if getattr(config.cmd_opts, "autogenerate", False):
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []
            log.info("No changes in schema detected.")


def run_migrations_online():
    engine = migrate_ext.db.engine
    options = dict(migrate_ext.configure_args)
    options.setdefault("process_revision_directives", process_revision_directives)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Wait at most 5 s for a table lock instead of queueing every query behind the migration,
            # and let one migrating process at a time in.
            connection.execute(text("SET lock_timeout = '5s'"))
            connection.execute(text("SELECT pg_advisory_lock(7311)"))
            connection.commit()
        if connection.dialect.name == "sqlite":
            # Batch mode rebuilds a table under a temporary name and renames it back; SQLite's
            # modern rename checks every trigger that names the table meanwhile gone (the call
            # setup triggers name `shops`) and refuses. The legacy rename leaves them be.
            connection.exec_driver_sql("PRAGMA legacy_alter_table = ON")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            transaction_per_migration=True,
            **options,
        )
        with context.begin_transaction():
            context.run_migrations()
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_unlock(7311)"))
            connection.commit()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run `flask db upgrade`.")
run_migrations_online()
