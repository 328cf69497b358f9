"""Answer-rate reports from call records, with the definitions of DESIGN.md section 2.

offered = answered + abandoned (short abandons and callbacks apart); answer rate = answered /
offered; service level = answered within SL_THRESHOLD_S / offered; ASA = mean wait of answered
calls; AHT = mean handling time of answered calls (from answer to end until after-call work is
recorded by the console). Days and intervals are in Asia/Tokyo.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from answering.models import Call
from scheduling.demand import interval_start
from tenants.coverage.services import TOKYO
from tenants.db import db
from tenants.models import Shop

GROUPS = ("shop", "team", "day", "interval")
COUNTED = ("answered", "abandoned", "short_abandon", "callback")


@dataclass
class Row:
    keys: dict[str, str]
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    callbacks: int = 0
    within_sl: int = 0
    waits: list[float] = field(default_factory=list)
    handles: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.keys,
            "offered": self.offered,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "short_abandoned": self.short_abandoned,
            "callbacks": self.callbacks,
            "answer_rate": round(self.answered / self.offered, 4) if self.offered else None,
            "service_level": round(self.within_sl / self.offered, 4) if self.offered else None,
            "asa_s": round(sum(self.waits) / len(self.waits), 1) if self.waits else None,
            "aht_s": round(sum(self.handles) / len(self.handles), 1) if self.handles else None,
        }


def _key(call: Call, group_by: str, slugs: dict[uuid.UUID, str]) -> dict[str, str]:
    local = (call.queued_at or call.arrived_at).astimezone(TOKYO)
    if group_by == "shop":
        return {"shop": slugs.get(call.shop_id, str(call.shop_id))}
    if group_by == "team":
        return {"team": call.queue or "-"}
    if group_by == "day":
        return {"day": local.date().isoformat()}
    return {"interval": interval_start(local).isoformat()}


def answer_rate(
    first: date, last: date, group_by: str, *, shop_id: uuid.UUID | None, sl_threshold_s: int
) -> list[dict[str, Any]]:
    """One row per group; the scope decides which shops' calls are counted."""
    start = datetime.combine(first, time(), TOKYO)
    end = datetime.combine(last + timedelta(days=1), time(), TOKYO)
    query = select(Call).where(
        Call.arrived_at >= start,
        Call.arrived_at < end,
        Call.in_coverage.is_(True),
        Call.outcome.in_(COUNTED),
    )
    if shop_id is not None:
        query = query.where(Call.shop_id == shop_id)
    calls = db.session.scalars(query).all()
    slugs: dict[uuid.UUID, str] = {
        row.id: row.slug for row in db.session.execute(select(Shop.id, Shop.slug))
    }
    rows: dict[tuple[str, ...], Row] = {}
    for call in calls:
        keys = _key(call, group_by, slugs)
        row = rows.setdefault(tuple(keys.values()), Row(keys))
        _count(row, call, sl_threshold_s)
    return [rows[k].as_dict() for k in sorted(rows)]


def _count(row: Row, call: Call, sl_threshold_s: int) -> None:
    if call.outcome == "short_abandon":
        row.short_abandoned += 1
        return
    if call.outcome == "callback":
        row.callbacks += 1
        return
    row.offered += 1
    if call.outcome == "abandoned":
        row.abandoned += 1
        return
    row.answered += 1
    if call.answered_at and call.queued_at:
        wait = (call.answered_at - call.queued_at).total_seconds()
        row.waits.append(wait)
        row.within_sl += int(wait <= sl_threshold_s)
        if call.ended_at:
            row.handles.append((call.ended_at - call.answered_at).total_seconds())


def as_csv(rows: Iterable[dict[str, Any]], group_by: str) -> bytes:
    """UTF-8 with a BOM, so Excel opens it as such."""
    out = io.StringIO()
    columns = [
        group_by,
        "offered",
        "answered",
        "abandoned",
        "short_abandoned",
        "callbacks",
        "answer_rate",
        "service_level",
        "asa_s",
        "aht_s",
    ]
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()
