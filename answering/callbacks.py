"""Keep-your-place callbacks: a caller who has waited long enough may press 1 and hang up; their
place in the queue is kept (the time they joined it), and when their turn comes, while the shop is
covered, an operator is reserved and the carrier dials them back from the shop's number. The
outbound call is its own call record; the original call counts as a callback, apart from the
answered and the abandoned."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import Select, select, update

from answering.calls import TERMINAL, derive_outcome
from answering.models import Call, CallbackRequest, CallIndex
from answering.providers import CarrierUnavailable
from scheduling import agents, queues
from scheduling.models import OperatorState
from tenants.config import settings_from
from tenants.coverage import services as coverage
from tenants.db import db, new_id, utcnow
from tenants.jobs import enqueue_after_commit, task
from tenants.scheduler import in_system_scope, periodic
from tenants.scoping import SYSTEM, Scope, parse_id, set_scope

log = logging.getLogger(__name__)
OFFER_AFTER_S = 60  # a caller who has waited this long hears the offer
RETRY_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 3


def _locked(query: Select[CallbackRequest]) -> CallbackRequest | None:
    """The callback, locked until commit on PostgreSQL: its changes apply one at a time."""
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return db.session.scalar(query)


def placeholder(row: CallbackRequest) -> str:
    """What the reserved operator holds until the carrier names the outbound call."""
    return f"callback:{row.id}"


def request(call: Call, now: datetime) -> CallbackRequest:
    """The caller pressed the key (their call's scope): once, however often the carrier retries."""
    existing = db.session.scalar(
        select(CallbackRequest).where(
            CallbackRequest.shop_id == call.shop_id, CallbackRequest.call_sid == call.call_sid
        )
    )
    if existing is not None:
        return existing
    if call.callback_requested_at is None:
        call.callback_requested_at = now
    row = CallbackRequest(
        id=new_id(),
        shop_id=call.shop_id,
        call_sid=call.call_sid,
        caller=call.from_number,
        dialled=call.to_number,
        place_at=call.queued_at or now,
        requested_at=now,
        status="waiting",
        attempts=0,
        next_attempt_at=now,
    )
    db.session.add(row)
    return row


def earliest_due(now: datetime, before: datetime | None = None) -> CallbackRequest | None:
    """The waiting callback with the earliest place (earlier than `before`), whose shop is covered
    now; read across shops (routing is the platform's), locked so two routers do not take it."""
    set_scope(db.session, SYSTEM)
    query = (
        select(CallbackRequest)
        .where(CallbackRequest.status == "waiting", CallbackRequest.next_attempt_at <= now)
        .order_by(CallbackRequest.place_at)
        .limit(10)
    )
    if before is not None:
        query = query.where(CallbackRequest.place_at < before)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    for row in db.session.scalars(query):
        if coverage.is_covered(row.shop_id, now):
            return row
    return None


def dial(row: CallbackRequest, now: datetime) -> bool:
    """Reserve the longest-idle operator for this callback and have the carrier dial it."""
    state = agents.reserve_longest_idle(placeholder(row), now, queues.queue_of(row.shop_id))
    if state is None:
        return False
    row.status, row.operator_id = "dialling", state.operator_id
    row.attempts += 1
    enqueue_after_commit(
        place_callback, shop_id=row.shop_id, callback_id=str(row.id), key=f"{row.id}:{row.attempts}"
    )
    return True


def take_turn(now: datetime, before: datetime | None) -> bool:
    """Before a queued call is routed: a callback with an earlier place goes first."""
    scope = db.session.info.get("scope")
    try:
        due = earliest_due(now, before)
        return due is not None and dial(due, now)
    finally:
        if scope is not None:
            set_scope(db.session, scope)


@task
def place_callback(*, shop_id: uuid.UUID, callback_id: str) -> None:
    from answering.carrier_views import telephony

    row = _locked(
        select(CallbackRequest).where(
            CallbackRequest.shop_id == shop_id, CallbackRequest.id == parse_id(callback_id)
        )
    )
    # Held until this attempt's record is committed: the carrier's answer waits for it.
    if row is None or row.status != "dialling" or row.outbound_sid is not None:
        return
    base = settings_from(current_app.config).public_base_url + "/carrier/twilio"
    try:
        outbound_sid = telephony(current_app).place_call(
            to=row.caller,
            from_=row.dialled,
            url=f"{base}/callback-answered?callback={row.id}",
            status_callback=f"{base}/callback-status?callback={row.id}",
        )
    except CarrierUnavailable as error:
        log.warning("callback not placed: %s", error, extra={"callback": str(row.id)})
        attempt_failed(row, utcnow())
        return
    row.outbound_sid = outbound_sid
    outbound_record(row, outbound_sid, utcnow())


def attempt_failed(row: CallbackRequest, now: datetime) -> None:
    """Nobody answered (or the carrier refused): free the operator, try again later or give up."""
    if row.status not in ("dialling", "connected"):
        return
    if row.operator_id is not None:
        agents.release(row.operator_id, placeholder(row), "ready", now, timedelta(0))
    # The next attempt is a new outbound call: it is placed only while no call is named here.
    row.operator_id, row.outbound_sid = None, None
    if row.attempts >= MAX_ATTEMPTS:
        row.status, row.done_at = "failed", now
    else:
        row.status, row.next_attempt_at = "waiting", now + RETRY_AFTER


def outbound_record(row: CallbackRequest, outbound_sid: str, now: datetime) -> Call:
    """Each attempt is its own call record (outbound, never counted as offered)."""
    existing = db.session.scalar(
        select(Call).where(Call.shop_id == row.shop_id, Call.call_sid == outbound_sid)
    )
    if existing is not None:
        return existing
    if db.session.get(CallIndex, outbound_sid) is None:
        db.session.add(CallIndex(call_sid=outbound_sid, shop_id=row.shop_id))
    call = Call(
        id=new_id(),
        shop_id=row.shop_id,
        call_sid=outbound_sid,
        direction="outbound",
        from_number=row.dialled,
        to_number=row.caller,
        arrived_at=now,
        in_coverage=True,
        operator_id=row.operator_id,
        routed_at=now,
        ring_attempts=1,
        outcome="in_progress",
        carrier_status="in-progress",
    )
    call.outcome = derive_outcome(call, timedelta(0))
    db.session.add(call)
    return call


def answered(row: CallbackRequest, outbound_sid: str, now: datetime) -> Call | None:
    """The caller picked up our callback: the reserved operator is given the outbound call."""
    if row.status == "connected" and row.outbound_sid == outbound_sid:
        return outbound_record(row, outbound_sid, now)  # a repeated request
    if row.status != "dialling" or row.operator_id is None:
        return None
    call = outbound_record(row, outbound_sid, now)
    db.session.execute(
        update(OperatorState)
        .where(OperatorState.call_sid == placeholder(row))
        .values(call_sid=outbound_sid)
        .execution_options(synchronize_session=False)
    )
    row.status, row.outbound_sid, row.done_at = "connected", outbound_sid, now
    return call


def of_outbound(call: Call) -> CallbackRequest | None:
    """The callback an outbound call was an attempt of."""
    return db.session.scalar(
        select(CallbackRequest).where(
            CallbackRequest.shop_id == call.shop_id, CallbackRequest.outbound_sid == call.call_sid
        )
    )


def try_again(call: Call, now: datetime) -> None:
    """The caller answered our callback but the operator did not: their place is kept."""
    row = of_outbound(call)
    if row is not None and row.status == "connected":
        row.status, row.outbound_sid, row.operator_id = "waiting", None, None
        row.next_attempt_at, row.done_at = now, None


def outbound_status(row: CallbackRequest, call_sid: str, status: str, now: datetime) -> None:
    """The outbound call of this attempt ended without being answered: the attempt failed. A late
    report of an earlier attempt's call changes nothing (the caller's phone may be ringing again)."""
    if call_sid != row.outbound_sid:
        return
    if status in TERMINAL and status != "completed" and row.status == "dialling":
        attempt_failed(row, now)


def settle_stale(now: datetime, stale_after: timedelta) -> int:
    """Callbacks still 'being dialled' although their outbound call ended a while ago (the
    attempt's outcome was never applied): the attempt failed, the caller is called again later
    and the reserved operator is free. Returns how many were settled."""
    set_scope(db.session, SYSTEM)
    query = (
        select(CallbackRequest)
        .join(
            Call,
            (Call.shop_id == CallbackRequest.shop_id)
            & (Call.call_sid == CallbackRequest.outbound_sid),
        )
        .where(
            CallbackRequest.status == "dialling",
            Call.ended_at.is_not(None),
            Call.ended_at < now - stale_after,
        )
        .limit(100)
    )
    if db.session.get_bind().dialect.name == "postgresql":  # one settler per row
        query = query.with_for_update(of=CallbackRequest, skip_locked=True)
    stale = db.session.scalars(query).all()
    for row in stale:
        attempt_failed(row, now)
    return len(stale)


@periodic("settle-stale-callbacks", every=timedelta(minutes=1))
def sweep_stale_callbacks(app: Flask) -> None:
    with in_system_scope(app):
        settled = settle_stale(utcnow(), timedelta(minutes=2))
        if settled:
            log.info("settled %d callback(s) whose attempt's end was never applied", settled)


def in_shop(row_id: str) -> CallbackRequest | None:
    """The callback a URL we handed out names, with the scope switched to its shop."""
    try:
        wanted = uuid.UUID(row_id)
    except ValueError:
        return None
    set_scope(db.session, SYSTEM)
    row = _locked(select(CallbackRequest).where(CallbackRequest.id == wanted))
    if row is not None:
        set_scope(db.session, Scope(shop_id=row.shop_id))
    return row


@periodic("dial-callbacks", every=timedelta(seconds=30))
def dial_due_callbacks(app: Flask) -> None:
    """Callbacks whose turn has come while nobody is calling."""
    with in_system_scope(app):
        now = utcnow()
        for _ in range(50):
            due = earliest_due(now)
            if due is None or not dial(due, now):
                break


def queue_now() -> list[tuple[CallbackRequest, str]]:
    """Callbacks waiting for their turn or being dialled, with their shop's name, by place."""
    from tenants.models import Shop

    set_scope(db.session, SYSTEM)
    rows = db.session.execute(
        select(CallbackRequest, Shop.name)
        .join(Shop, Shop.id == CallbackRequest.shop_id)
        .where(CallbackRequest.status.in_(("waiting", "dialling")))
        .order_by(CallbackRequest.place_at)
        .limit(200)
    ).all()
    return [(row, name) for row, name in rows]
