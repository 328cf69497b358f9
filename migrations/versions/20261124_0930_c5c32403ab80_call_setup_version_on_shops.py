"""call setup version on shops

Revision ID: c5c32403ab80
Revises: a3f9c6d21b7e
Create Date: 2026-11-24 09:30:00

Rules: a revision must work with the code of the release before it (add, backfill in its own
revision, then remove); a new shop-owned table gets `tenants.rls.enable_shop_rls` in the same revision.

`shops.call_setup_version` moves whenever anything a caller hears changes: the shop's name or
status, its coverage versions, closures and 臨時休業, its published script. Triggers keep it, so
every writer (the pages, the API, an admin's bulk update) moves it; incoming calls use a
process-wide copy of a shop's setup only while its version matches.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5c32403ab80"
down_revision = "a3f9c6d21b7e"
branch_labels = None
depends_on = None

TABLES = ("coverage_versions", "coverage_closures", "emergency_closures", "script_versions")
BUMP = "UPDATE shops SET call_setup_version = call_setup_version + 1 WHERE id = {row}.shop_id"


def upgrade():
    op.add_column(
        "shops",
        sa.Column("call_setup_version", sa.BigInteger(), server_default="0", nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION bump_call_setup_version() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'DELETE' THEN
                {BUMP.format(row="OLD")};
              ELSE
                {BUMP.format(row="NEW")};
              END IF;
              RETURN NULL;
            END $$
            """
        )
        op.execute(
            """
            CREATE FUNCTION bump_own_call_setup_version() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.status IS DISTINCT FROM OLD.status OR NEW.name IS DISTINCT FROM OLD.name
                 OR NEW.name_kana IS DISTINCT FROM OLD.name_kana THEN
                NEW.call_setup_version := OLD.call_setup_version + 1;
              END IF;
              RETURN NEW;
            END $$
            """
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_call_setup AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION bump_call_setup_version()"
            )
        op.execute(
            "CREATE TRIGGER shops_call_setup BEFORE UPDATE ON shops "
            "FOR EACH ROW EXECUTE FUNCTION bump_own_call_setup_version()"
        )
        return
    for table in TABLES:
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            op.execute(
                f"CREATE TRIGGER {table}_call_setup_{event.lower()} AFTER {event} ON {table} "
                f"BEGIN {BUMP.format(row=row)}; END"
            )
    op.execute(
        "CREATE TRIGGER shops_call_setup AFTER UPDATE OF status, name, name_kana ON shops "
        "BEGIN UPDATE shops SET call_setup_version = call_setup_version + 1 WHERE id = NEW.id; END"
    )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_call_setup ON {table}")
        op.execute("DROP TRIGGER IF EXISTS shops_call_setup ON shops")
        op.execute("DROP FUNCTION IF EXISTS bump_call_setup_version()")
        op.execute("DROP FUNCTION IF EXISTS bump_own_call_setup_version()")
    else:
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_call_setup_{event}")
        op.execute("DROP TRIGGER IF EXISTS shops_call_setup")
    with op.batch_alter_table("shops") as batch:
        batch.drop_column("call_setup_version")
