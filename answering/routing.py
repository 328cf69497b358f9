"""Routing: a queued call goes to the operator idle the longest, one operator per call and one call
per operator; an operator who lets it ring out is set not ready and the call goes to the next.

The operator's phone is a leg the carrier dials (`<Dial><Client>`); its status callbacks, which may
come late, twice or shuffled, move the operator's state, and only for the call they hold now.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import select

from answering.calls import TERMINAL, callback_time
from answering.models import Call
from scheduling import agents, queues
from scheduling.models import OperatorState
from tenants.config import settings_from
from tenants.db import db, utcnow
from tenants.scheduler import in_system_scope, periodic

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


def seeking(call: Call) -> bool:
    """Whether no operator talks with the caller yet: never answered, or handed back after a
    transfer nobody picked up and not picked up again since."""
    return call.answered_at is None or call.returned_at is not None


def waiting(call: Call) -> bool:
    """Whether the caller waits in the queue for an operator (a handed-back caller too: their
    place is still their first arrival in the queue)."""
    return (
        call.queued_at is not None
        and seeking(call)
        and call.ended_at is None
        and call.operator_id is None
    )


def route(call: Call, now: datetime) -> OperatorState | None:
    """Give a waiting call (locked by the caller) to the longest-idle available operator."""
    if not waiting(call):
        return None
    state = agents.reserve_longest_idle(call.call_sid, now, call.queue or queues.SHARED_QUEUE)
    if state is not None:
        call.operator_id = state.operator_id
        call.routed_at = now
        call.ring_attempts = (call.ring_attempts or 0) + 1
        if call.answered_at is not None:  # a handed-back caller: a dial of its own
            call.leg_round += 1
    return state


def answered(call: Call, operator_id: uuid.UUID, at: datetime, *, estimate: bool = False) -> None:
    """The operator picked up. The carrier's own times win over our estimate, whatever came
    first, and among them the earliest, so repeats and reorders converge."""
    if call.operator_id != operator_id:
        return
    # Carrier timestamps have whole seconds: never before the call was given to the operator.
    if call.routed_at is not None and at < call.routed_at:
        at = call.routed_at
    if estimate:
        if call.answered_at is None:
            call.answered_at, call.answer_estimated = at, True
        return
    if call.answered_at is None or call.answer_estimated or at < call.answered_at:
        call.answered_at, call.answer_estimated = at, False


def leg_status(
    call: Call,
    operator_id: uuid.UUID,
    params: Mapping[str, str],
    received: datetime,
    after_call: timedelta,
    *,
    round_: int = 1,
) -> None:
    """A status callback of the operator's leg (`round_`: which dial of the call it was)."""
    status = params.get("CallStatus", "")
    at = callback_time(params, received)
    if status == "in-progress":
        answered(call, operator_id, at)
        return
    if status not in TERMINAL:
        return
    if operator_id == call.operator_id and ended_by_hold(call, round_):
        return  # the caller is on hold: the call stays the operator's
    if operator_id == call.transferred_to_id and round_ < call.leg_round:
        return  # a transfer nobody picked up: handing the caller back freed that person already
    if status == "completed":  # a leg only completes once it was answered
        duration = params.get("CallDuration", "")
        if duration.isdigit():
            answered(call, operator_id, at - timedelta(seconds=int(duration)))
        agents.release(operator_id, call.call_sid, "after_call_work", at, after_call)
        return
    # Rang out, busy or unreachable: not ready until they say so; the caller left first: ready.
    state = "ready" if status == "canceled" else "not_ready"
    agents.release(operator_id, call.call_sid, state, at, after_call)
    unassign(call, operator_id)


def ended_by_hold(call: Call, round_: int) -> bool:
    """Whether the operator's leg of this dial ended because the caller was put on hold or
    moved on: every dial of an answered call before the current one did (a resume, a transfer
    and a hand-back dial again), and the current one if the caller is on hold now."""
    return call.answered_at is not None and (
        round_ < call.leg_round or (round_ == call.leg_round and call.held_since is not None)
    )


def unassign(call: Call, operator_id: uuid.UUID) -> None:
    """The operator did not take the call: it waits for the next one."""
    if call.operator_id == operator_id and seeking(call):
        call.operator_id = None


def dial_result(
    call: Call, operator_id: uuid.UUID, params: Mapping[str, str], now: datetime
) -> bool:
    """The carrier's report on the caller's side of the dial; True when the two talked."""
    status = params.get("DialCallStatus", "")
    if status in ("completed", "answered"):
        duration = params.get("DialCallDuration", "")
        seconds = int(duration) if duration.isdigit() else 0
        answered(call, operator_id, now - timedelta(seconds=seconds), estimate=True)
        return True
    unassign(call, operator_id)
    return False


def call_ended(call: Call, at: datetime) -> None:
    """The caller's call is over: free the operators it rang earlier whose leg callbacks were lost
    (the operator it is given to now is moved by their own leg's callbacks, or by the sweep). A
    caller who hung up on hold had no leg left to report: their operator goes to after-call work."""
    if not call.ring_attempts:
        return  # never given to anyone
    if call.held_since is not None and call.operator_id is not None:
        call.hold_s += max(0, int((at - call.held_since).total_seconds()))
        call.held_since = None
        seconds = settings_from(current_app.config).after_call_work_s
        agents.release(
            call.operator_id, call.call_sid, "after_call_work", at, timedelta(seconds=seconds)
        )
    holders = db.session.scalars(
        select(OperatorState).where(
            OperatorState.call_sid == call.call_sid, OperatorState.operator_id != call.operator_id
        )
    ).all()
    for state in holders:
        agents.release(state.operator_id, call.call_sid, "ready", at, timedelta(0))


STALE_AFTER = timedelta(minutes=2)


def release_stale(
    now: datetime, after_call: timedelta, stale_after: timedelta = STALE_AFTER
) -> int:
    """Operators still held by a call that ended a while ago (their leg's last callback never
    came): after-call work if they talked, ready otherwise. Returns how many were freed."""
    held = db.session.execute(
        select(OperatorState.operator_id, Call)
        .join(
            Call,
            (Call.call_sid == OperatorState.call_sid)
            & (Call.operator_id == OperatorState.operator_id),
        )
        .where(Call.ended_at.is_not(None), Call.ended_at < now - stale_after)
    ).all()
    freed = 0
    for operator_id, call in held:
        talked = call.answered_at is not None
        freed += agents.release(
            operator_id, call.call_sid, "after_call_work" if talked else "ready", now, after_call
        )
    return freed


@periodic("release-stale-operators", every=timedelta(minutes=1))
def sweep_stale_operators(app: Flask) -> None:
    with in_system_scope(app):
        seconds = settings_from(app.config).after_call_work_s
        release_stale(utcnow(), timedelta(seconds=seconds))
