"""Row-level security for migrations: the application's role and each shop-owned table's policy.

Policies read the transaction's `SET LOCAL` settings (see `tenants.scoping`): a row is visible when
it belongs to the scoped shop, or when the scope is staff-wide.
"""

from __future__ import annotations

import os

from alembic import op

SHOP_MATCH = "NULLIF(current_setting('app.shop_id', true), '')::uuid"
USER_MATCH = "NULLIF(current_setting('app.user_id', true), '')::uuid"
STAFF = "current_setting('app.staff', true) = 'on'"


def app_role() -> str:
    return os.environ.get("DATABASE_APP_ROLE", "answering_app")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def create_app_role() -> None:
    """The non-owner role every transaction of the application runs as (`SET LOCAL ROLE`)."""
    if not _postgres():
        return
    role = app_role()
    # Several databases of one server may migrate at once (test workers): creating the role and
    # joining it must tolerate the other doing it first.
    op.execute(
        f"""
        DO $$
        BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
            CREATE ROLE "{role}" NOLOGIN NOSUPERUSER NOBYPASSRLS;
          END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$;
        """
    )
    op.execute(
        f"""
        DO $$
        BEGIN
          IF NOT pg_has_role(current_user, '{role}', 'MEMBER') THEN
            EXECUTE format('GRANT %I TO %I', '{role}', current_user);
          END IF;
        END $$;
        """
    )
    op.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
    op.execute(
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{role}"'
    )
    op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')


def enable_shop_rls(table: str, key: str = "shop_id", readable_when: str | None = None) -> None:
    """`ENABLE` and `FORCE` row-level security on a shop-owned table with the shop policy.

    `readable_when` widens what may be read (never what may be written), e.g. a user's own
    memberships before a shop is chosen.
    """
    if not _postgres():
        return
    write = f"{key} = {SHOP_MATCH} OR {STAFF}"
    read = f"{write} OR {readable_when}" if readable_when else write
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY shop_isolation ON {table} USING ({read}) WITH CHECK ({write})")


def disable_shop_rls(table: str) -> None:
    if not _postgres():
        return
    op.execute(f"DROP POLICY IF EXISTS shop_isolation ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
