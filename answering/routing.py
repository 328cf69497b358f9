"""Routing: a queued call goes to the operator idle the longest, one operator per call and one call
per operator; an operator who lets it ring out is set not ready and the call goes to the next.

The operator's phone is a leg the carrier dials (`<Dial><Client>`); its status callbacks, which may
come late, twice or shuffled, move the operator's state, and only for the call they hold now.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import select

from answering.calls import TERMINAL, callback_time
from answering.models import Call
from scheduling import agents
from scheduling.models import OperatorState
from tenants.db import db

IDENTITY_PREFIX = "operator-"


def identity(operator_id: uuid.UUID) -> str:
    """The operator's browser-phone identity (Twilio Client) the carrier dials."""
    return f"{IDENTITY_PREFIX}{operator_id}"


def operator_of(identity_or_id: str) -> uuid.UUID | None:
    raw = identity_or_id.removeprefix("client:").removeprefix(IDENTITY_PREFIX)
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def waiting(call: Call) -> bool:
    return (
        call.queued_at is not None
        and call.answered_at is None
        and call.ended_at is None
        and call.operator_id is None
    )


def route(call: Call, now: datetime) -> OperatorState | None:
    """Give a waiting call (locked by the caller) to the longest-idle available operator."""
    if not waiting(call):
        return None
    state = agents.reserve_longest_idle(call.call_sid, now)
    if state is not None:
        call.operator_id = state.operator_id
        call.routed_at = now
        call.ring_attempts = (call.ring_attempts or 0) + 1
    return state


def answered(call: Call, operator_id: uuid.UUID, at: datetime) -> None:
    """The operator picked up: the earliest time any callback reports wins."""
    if call.operator_id != operator_id:
        return
    if call.answered_at is None or at < call.answered_at:
        call.answered_at = at


def leg_status(
    call: Call,
    operator_id: uuid.UUID,
    params: Mapping[str, str],
    received: datetime,
    after_call: timedelta,
) -> None:
    """A status callback of the operator's leg."""
    status = params.get("CallStatus", "")
    at = callback_time(params, received)
    if status == "in-progress":
        answered(call, operator_id, at)
        return
    if status not in TERMINAL:
        return
    if status == "completed":  # a leg only completes once it was answered
        duration = params.get("CallDuration", "")
        if duration.isdigit():
            answered(call, operator_id, at - timedelta(seconds=int(duration)))
        agents.release(operator_id, call.call_sid, "after_call_work", at, after_call)
        return
    agents.release(
        operator_id,
        call.call_sid,
        "not_ready" if status == "no-answer" else "ready",
        at,
        after_call,
    )
    unassign(call, operator_id)


def unassign(call: Call, operator_id: uuid.UUID) -> None:
    """The operator did not take the call: it waits for the next one."""
    if call.operator_id == operator_id and call.answered_at is None:
        call.operator_id = None


def dial_result(
    call: Call, operator_id: uuid.UUID, params: Mapping[str, str], now: datetime
) -> bool:
    """The carrier's report on the caller's side of the dial; True when the two talked."""
    status = params.get("DialCallStatus", "")
    if status in ("completed", "answered"):
        duration = params.get("DialCallDuration", "")
        if duration.isdigit():
            answered(call, operator_id, now - timedelta(seconds=int(duration)))
        elif status == "answered":
            answered(call, operator_id, now)
        return True
    unassign(call, operator_id)
    return False


def call_ended(call: Call, at: datetime, after_call: timedelta) -> None:
    """The caller's call is over: free whoever still holds it, even if their leg's callbacks
    were lost (the one who talked to the caller goes to after-call work)."""
    holders = db.session.scalars(
        select(OperatorState).where(OperatorState.call_sid == call.call_sid)
    ).all()
    for state in holders:
        talked = state.operator_id == call.operator_id and call.answered_at is not None
        agents.release(
            state.operator_id,
            call.call_sid,
            "after_call_work" if talked else "ready",
            at,
            after_call,
        )
