"""Call records written straight into the table, for tests of what is computed from them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from answering.models import Call
from tenants.db import new_id


def add_call(
    session: Any,
    shop_id: uuid.UUID,
    queued: datetime,
    outcome: str,
    *,
    wait: float = 0,
    talk: float = 0,
    menu_s: float = 0,
    in_coverage: bool = True,
    queue: str = "team-default",
    **fields: Any,
) -> None:
    """A call that entered the queue at `queued` (after `menu_s` in the voice menu), waited `wait`
    seconds and, when answered, talked `talk` seconds; one still in progress has not ended."""
    answered = queued + timedelta(seconds=wait) if outcome == "answered" else None
    ended = (
        None
        if outcome == "in_progress"
        else (answered or queued + timedelta(seconds=wait)) + timedelta(seconds=talk)
    )
    session.add(
        Call(
            id=new_id(),
            shop_id=shop_id,
            call_sid=f"CA{uuid.uuid4().hex}",
            from_number="+819012345678",
            to_number="+81345000001",
            arrived_at=queued - timedelta(seconds=menu_s),
            queued_at=queued if in_coverage else None,
            answered_at=answered,
            ended_at=ended,
            in_coverage=in_coverage,
            outcome=outcome,
            carrier_status="in-progress" if outcome == "in_progress" else "completed",
            queue=queue if in_coverage else None,
            **fields,
        )
    )
