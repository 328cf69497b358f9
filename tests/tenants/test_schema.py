"""The tenancy rules hold on the live schema (DESIGN.md section 4)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import inspect, text

from tenants.db import db

# Tables with a shop_id that are not owned by a shop, and why.
PLATFORM_WITH_SHOP_ID = {
    "api_tokens": "looked up by hash before any shop is known; shop_id is the token's scope",
    "audit_events": "kept after a shop is deleted; staff read it across shops",
    "job_outbox": "written and drained by the platform for every shop",
    "call_index": "finds a carrier callback's shop from its CallSid before any scope",
    "campaigns": "per queue (many shops share one); shop_id only says which shop announced it",
    "shop_queues": "staff's routing setting for a shop, never shown to the shop",
}
# Tables without a shop_id: staff, identity and reference tables (Citus reference tables).
NOT_SHOP_OWNED = {
    "shops",
    "users",
    "teams",
    "team_members",
    "alembic_version",
    "recovery_codes",  # belong to a login, not to a shop
    "rate_cards",  # prices for every shop (a Citus reference table)
    "demand_intervals",  # per queue; a queue serves many shops
    "history_imports",  # per queue as well
    "operator_states",  # staff
    "operator_phones",  # staff: where an operator's calls ring
    "call_rollup_state",  # which days the rollups of every shop hold: one row for the platform
    "qa_plans",  # staff: the weekly review sample size, one rule for every shop
    "qa_criteria",  # staff: the shared scorecard items, one scorecard for every shop
    "operator_state_changes",  # staff
    "operator_skills",  # staff: the queues an operator serves
    "queues",  # staff: a queue's key and the name staff read; a queue serves many shops
    "operator_availability",  # staff
    "operator_leave",  # staff
    "shift_patterns",  # reference: shift lengths for every queue
    "rosters",  # per queue; a queue serves many shops
    "rostered_shifts",  # staff shifts of a queue's roster
    "roster_builds",  # a queue's roster asked for by staff and built by a job
    "phone_numbers",  # the service's pool; rented_by_shop_id routes incoming calls before any scope
    "stripe_events",  # Stripe's events for the platform's account, stored before any shop is known
}


def shop_owned_tables(app: Flask) -> list[str]:
    with app.app_context():
        inspector = inspect(db.engine)
        tables = inspector.get_table_names()
        owned = [
            t
            for t in tables
            if "shop_id" in {c["name"] for c in inspector.get_columns(t)}
            and t not in PLATFORM_WITH_SHOP_ID
        ]
    return owned


def test_every_table_is_classified(app: Flask) -> None:
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    unclassified = (
        tables - set(shop_owned_tables(app)) - set(PLATFORM_WITH_SHOP_ID) - NOT_SHOP_OWNED
    )
    assert unclassified == set(), "give each new table a shop_id or list it here with a reason"


def test_shop_owned_tables_follow_the_citus_rules(app: Flask) -> None:
    owned = shop_owned_tables(app)
    assert "shop_memberships" in owned
    with app.app_context():
        inspector = inspect(db.engine)
        for table in owned:
            columns = {c["name"]: c for c in inspector.get_columns(table)}
            assert columns["shop_id"]["nullable"] is False, table
            assert "shop_id" in inspector.get_pk_constraint(table)["constrained_columns"], table
            for unique in inspector.get_unique_constraints(table):
                assert "shop_id" in unique["column_names"], (table, unique["name"])
            for index in inspector.get_indexes(table):
                if index["unique"]:
                    assert "shop_id" in index["column_names"], (table, index["name"])
            for fk in inspector.get_foreign_keys(table):
                if fk["referred_table"] in owned:
                    assert fk["constrained_columns"][0] == "shop_id", (table, fk["name"])
                    assert fk["referred_columns"][0] == "shop_id", (table, fk["name"])


@pytest.mark.postgres
def test_shop_owned_tables_force_row_level_security(app: Flask) -> None:
    owned = [*shop_owned_tables(app), "shops"]
    with app.app_context():
        rows = db.session.execute(
            text(
                "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class"
                " WHERE relname = ANY(:tables) AND relkind = 'r'"
            ),
            {"tables": owned},
        ).all()
        policies = set(
            db.session.execute(
                text("SELECT tablename FROM pg_policies WHERE policyname = 'shop_isolation'")
            ).scalars()
        )
    assert {r.relname: (r.relrowsecurity, r.relforcerowsecurity) for r in rows} == {
        t: (True, True) for t in owned
    }
    assert set(owned) <= policies
