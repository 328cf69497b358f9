"""Recording which FAQ entries and products operators open from the console's search, and counting
them for the shop's monthly report.

Only the operator the call was given to may record a hit on it, and only for an entry of that
shop's published script: anything else is 404, whatever exists elsewhere. One statement that
inserts or does nothing, so a hit sent twice (or by two tabs) counts once and costs one round trip
after the call's lookup.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from werkzeug.exceptions import NotFound

from answering.faq_hit_models import FaqHit
from answering.messages import operators_call
from tenants.db import db, new_id
from tenants.models import User
from tenants.scripts import services as scripts

SECTIONS = {"faq": ("faqs", "question"), "product": ("products", "name")}
MAX_ENTRY_ID = 40
MAX_LABEL = 300


def entry_of(content: dict[str, Any], kind: str, entry_id: str) -> dict[str, Any] | None:
    section, _ = SECTIONS[kind]
    return next((e for e in content.get(section, []) if str(e.get("id")) == entry_id), None)


def record(operator: User, call_sid: str, kind: str, entry_id: str, now: datetime) -> bool:
    """Count this entry once for this call (True when it was new); 404 unless the call is the
    operator's and the entry is in its shop's published script."""
    if kind not in SECTIONS or not 0 < len(entry_id) <= MAX_ENTRY_ID:
        raise NotFound()
    call = operators_call(operator, call_sid)
    published = scripts.latest_version(call.shop_id)
    entry = entry_of(published.content, kind, entry_id) if published is not None else None
    if entry is None:
        raise NotFound()
    values = {
        "shop_id": call.shop_id,
        "id": new_id(),
        "call_id": call.id,
        "kind": kind,
        "entry_id": entry_id,
        "label": str(entry.get(SECTIONS[kind][1]) or entry_id)[:MAX_LABEL],
        "operator_id": operator.id,
        "hit_at": now,
    }
    dialect = db.session.get_bind().dialect.name
    insert: Any = pg_insert(FaqHit) if dialect == "postgresql" else sqlite_insert(FaqHit)
    # an INSERT's row count is kept only when asked for (SQLAlchemy drops it otherwise: -1)
    statement = insert.values(**values).on_conflict_do_nothing()
    result = db.session.execute(statement.execution_options(preserve_rowcount=True))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def most_opened(
    shop_id: uuid.UUID, start: datetime, end: datetime, limit: int
) -> list[tuple[str, str, int]]:
    """(kind, question or product name, calls) of the entries opened most in [start, end)."""
    calls = func.count().label("calls")
    rows = db.session.execute(
        select(FaqHit.kind, FaqHit.entry_id, func.max(FaqHit.label), calls)
        .where(FaqHit.shop_id == shop_id, FaqHit.hit_at >= start, FaqHit.hit_at < end)
        .group_by(FaqHit.kind, FaqHit.entry_id)
        .order_by(calls.desc(), FaqHit.kind, FaqHit.entry_id)
        .limit(limit)
    )
    return [(kind, str(label), int(n)) for kind, _, label, n in rows]
