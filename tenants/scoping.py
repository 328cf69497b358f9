"""Tenant scope: which shop's rows a transaction may see.

The application resolves the shop once per request (or job) and passes it on explicitly; the scope
set here is the second wall. On PostgreSQL every transaction runs as the application's non-owner role
with `SET LOCAL` settings that the row-level security policies read (DESIGN.md section 4); `SET
LOCAL` ends with the transaction, so nothing leaks to the next user of a pooled connection.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import ColumnElement, Connection, String, cast, event, func, select
from sqlalchemy.orm import Session, SessionTransaction, scoped_session
from werkzeug.exceptions import NotFound

from tenants.config import settings_from
from tenants.db import ShopOwned, db


@dataclass(frozen=True)
class Scope:
    """What the current transaction may read and write of shop-owned tables."""

    shop_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    staff: bool = False


NO_SCOPE = Scope()
#: Staff pages, command-line tools and platform jobs: every shop, by design.
SYSTEM = Scope(staff=True)


def set_scope(session: Session | scoped_session[Any], scope: Scope) -> None:
    """Scope this session's current and later transactions."""
    real = session() if isinstance(session, scoped_session) else session
    real.info["scope"] = scope
    if real.in_transaction():
        _apply(real.connection(), scope)


def settings_of_found_shop(shop_id: ColumnElement[Any]) -> list[ColumnElement[Any]]:
    """Columns that, selected with the row that names a shop, scope the transaction to that shop
    (PostgreSQL's `set_config` in the row's own statement: one round trip instead of two). The
    caller then records the scope with `assume_scope`; with no row, the scope is unchanged."""
    return [
        func.set_config("app.shop_id", cast(shop_id, String), True),
        func.set_config("app.user_id", "", True),
        func.set_config("app.staff", "off", True),
    ]


def assume_scope(session: Session | scoped_session[Any], scope: Scope) -> None:
    """Record a shop scope that the transaction's last statement already set in the database."""
    real = session() if isinstance(session, scoped_session) else session
    real.info["scope"] = scope


def current_scope(session: Session) -> Scope:
    scope: Scope = session.info.get("scope", NO_SCOPE)
    return scope


@event.listens_for(Session, "after_begin")
def _scope_new_transaction(
    session: Session, transaction: SessionTransaction, connection: Connection
) -> None:
    _apply(connection, current_scope(session))


def _apply(connection: Connection, scope: Scope) -> None:
    if connection.dialect.name != "postgresql":
        return  # SQLite has no roles or row-level security; the application's filters remain.
    role = settings_from(current_app.config).database_app_role
    # One round trip: the values are UUIDs (or empty) and on/off, so they are written in place.
    shop = str(uuid.UUID(str(scope.shop_id))) if scope.shop_id else ""
    user = str(uuid.UUID(str(scope.user_id))) if scope.user_id else ""
    staff = "on" if scope.staff else "off"
    settings = (
        f"SELECT set_config('app.shop_id', '{shop}', true), "
        f"set_config('app.user_id', '{user}', true), set_config('app.staff', '{staff}', true)"
    )
    connection.exec_driver_sql(f'SET LOCAL ROLE "{role}"; {settings}' if role else settings)


RowT = TypeVar("RowT", bound=ShopOwned)


def parse_id(raw: Any) -> uuid.UUID:
    """An id from a URL or payload; anything malformed is simply not found."""
    if isinstance(raw, uuid.UUID):
        return raw
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise NotFound() from None


def get_for_shop(model: type[RowT], shop_id: uuid.UUID, row_id: Any) -> RowT:
    """The row with this id in this shop, or 404: another shop's id looks exactly like no id."""
    row = db.session.scalar(
        select(model).where(model.shop_id == shop_id, model.id == parse_id(row_id))
    )
    if row is None:
        raise NotFound()
    return row
