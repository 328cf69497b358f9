"""An operator who becomes ready while callers wait is given the longest-waiting of them at once.

An operator is ready when they say so on the console, when a call frees them before they talked
(the caller left first), and when their after-call work ends by the clock: the job for that is
asked for as the call frees them, to run at that moment (RQ's scheduler; without Redis, the
outbox drain runs it, and the hold rounds come first).

Without this, the caller is only put through at their next hold round (every `POLL_S`, 5 s). The
job routes as a hold round would (callbacks that kept their place first, then the longest-idle
operator skilled for the call's queue) and has the carrier move the caller out of the queue to the
operator's phone through its REST API (Twilio's call update, which interrupts `<Enqueue>`). If the
carrier refuses (the caller has just hung up), the routing is undone and the next caller is tried.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select

from answering import callbacks, legs, routing
from answering.models import Call
from answering.providers import CarrierUnavailable
from scheduling.models import OperatorSkill
from tenants.db import db, utcnow
from tenants.jobs import enqueue_after_commit, task
from tenants.models import User

log = logging.getLogger(__name__)
CANDIDATES = 5  # callers tried per ready operator (each only fails if it hung up meanwhile)


def operator_ready(operator: User) -> None:
    """Ask for a caller to be put through once this request's change of state is committed."""
    enqueue_after_commit(
        put_through_waiting,
        key=f"push:{operator.id}:{uuid.uuid4().hex}",
        operator_id=str(operator.id),
    )


def operator_free(_sender: object, *, operator_id: uuid.UUID, at: datetime) -> None:
    """Ask for a caller to be put through when a call frees this operator: at once, or when
    their after-call work ends by the clock (`tenants.signals.operator_free`)."""
    wait = at - utcnow()
    enqueue_after_commit(
        put_through_waiting,
        key=f"push:{operator_id}:{at.isoformat()}",
        delay=wait if wait > timedelta(0) else None,
        operator_id=str(operator_id),
    )


def _waiting_for(operator_id: uuid.UUID) -> list[Call]:
    """The callers this operator may serve, longest-waiting first (a caller handed back after a
    transfer by their first arrival: at the head), locked (others' skipped)."""
    skills = list(
        db.session.scalars(select(OperatorSkill.queue).where(OperatorSkill.user_id == operator_id))
    )
    query = (
        select(Call)
        .where(
            Call.queued_at.is_not(None),
            or_(Call.answered_at.is_(None), Call.returned_at.is_not(None)),  # routing.seeking
            Call.ended_at.is_(None),
            Call.operator_id.is_(None),
            Call.callback_requested_at.is_(None),
            Call.direction == "inbound",
        )
        .order_by(Call.queued_at)
        .limit(CANDIDATES)
    )
    if skills:
        query = query.where(Call.queue.in_(skills))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


@task
def put_through_waiting(*, operator_id: str) -> None:
    from answering.carrier_views import telephony

    now = utcnow()
    for call in _waiting_for(uuid.UUID(operator_id)):
        if callbacks.take_turn(now, call.queued_at):
            return  # a caller who asked to be called back earlier took the free operator
        attempt = db.session.begin_nested()
        if routing.route(call, now) is None or call.operator_id is None:
            attempt.rollback()
            return  # nobody is free for this call any more (a hold round was quicker)
        db.session.flush()
        try:
            telephony(current_app).update_call(
                call.call_sid, twiml=legs.dial(call, call.operator_id)
            )
        except CarrierUnavailable as refused:
            log.info(
                "a waiting caller could not be put through",
                extra={"call_sid": call.call_sid, "error": str(refused)},
            )
            attempt.rollback()
            continue
        attempt.commit()
        log.info("caller put through to a ready operator", extra={"call_sid": call.call_sid})
        return
