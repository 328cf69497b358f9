"""What the shop portal shows of its calls: the latest records and today's counts."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, time

from sqlalchemy import select

from answering.models import Call
from tenants.coverage.services import TOKYO, today_in_tokyo
from tenants.db import db


def recent_calls(shop_id: uuid.UUID, limit: int = 100) -> list[Call]:
    return list(
        db.session.scalars(
            select(Call)
            .where(Call.shop_id == shop_id)
            .order_by(Call.arrived_at.desc())
            .limit(limit)
        )
    )


def today_counts(shop_id: uuid.UUID) -> Counter[str]:
    """Today's calls (Asia/Tokyo) by outcome, plus "total"."""
    midnight = datetime.combine(today_in_tokyo(), time(), TOKYO)
    outcomes = db.session.scalars(
        select(Call.outcome).where(Call.shop_id == shop_id, Call.arrived_at >= midnight)
    ).all()
    counts = Counter(outcomes)
    counts["total"] = len(outcomes)
    return counts
