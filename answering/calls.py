"""Incoming calls: the decision (queue, after-hours voicemail, closed, unknown number) and the call
record, completed by status and recording callbacks that may come late, twice or out of order.

The record's outcome is derived from its fields every time a callback lands, and each field only
moves one way (a time is set once, a terminal status replaces a passing one), so any order and any
number of repeats of the same callbacks converge to the same record.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Insert, Select, bindparam, select
from sqlalchemy import insert as insert_row
from sqlalchemy.dialects import postgresql, sqlite

from answering.call_setup import CallSetup
from answering.models import Call, CallIndex
from scheduling import demand, queues
from tenants.db import db, new_id, utcnow
from tenants.scoping import Scope, assume_scope, set_scope, settings_of_found_shop
from tenants.scripts import services as scripts

DEFAULT_QUEUE = queues.SHARED_QUEUE  # where a shop waits until staff give it a queue of its own
TERMINAL = ("completed", "busy", "failed", "no-answer", "canceled")
# When two terminal statuses disagree (a retried callback), the stronger one wins, whatever came first.
STATUS_RANK = {
    "queued": 0,
    "ringing": 1,
    "in-progress": 2,
    "canceled": 3,
    "no-answer": 4,
    "busy": 5,
    "failed": 6,
    "completed": 7,
}


@dataclass(frozen=True)
class Decision:
    kind: str  # "queue", "after_hours", "closed"
    message: str


def decide(setup: CallSetup, at: datetime) -> Decision:
    """What a caller of this shop hears at `at`."""
    if setup.status in ("suspended", "closed"):
        return Decision(
            "closed",
            f"お電話ありがとうございます。{setup.name_kana}は、"
            "ただいまお電話でのご案内を休止しております。",
        )
    if setup.emergency_message is not None:
        return Decision("closed", setup.emergency_message)
    if setup.coverage.covers(at):
        return Decision(
            "queue",
            f"お電話ありがとうございます。{setup.name_kana}です。ただいまおつなぎします。",
        )
    return Decision(
        "after_hours",
        setup.after_hours_message
        or (
            f"お電話ありがとうございます。{setup.name_kana}です。ただいま営業時間外です。"
            "発信音のあとに、お名前とご用件をお話しください。"
        ),
    )


def shop_of_call(call_sid: str) -> uuid.UUID | None:
    return db.session.scalar(select(CallIndex.shop_id).where(CallIndex.call_sid == call_sid))


def index_call(call_sid: str, shop_id: uuid.UUID | None) -> bool:
    """Index the call under its shop (None: a number no shop rents); False when a retry of its
    webhook already did. One statement, and two concurrent retries wait for each other."""
    connection = db.session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    claimed = connection.execute(
        insert(CallIndex)
        .values(call_sid=call_sid, shop_id=shop_id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["call_sid"])
        .returning(CallIndex.call_sid)
    ).first()
    return claimed is not None


def open_call(
    shop_id: uuid.UUID,
    *,
    call_sid: str,
    caller: str,
    dialled: str,
    decision: Decision,
    at: datetime,
    queue: str = DEFAULT_QUEUE,
    menu_first: bool = False,
) -> None:
    """The call's record, created once however often the carrier retries the webhook, with its
    index row (one statement on PostgreSQL: the busiest path of the service)."""
    queued = decision.kind == "queue" and not menu_first
    record = {
        "id": new_id(),
        "shop_id": shop_id,
        "call_sid": call_sid,
        "from_number": caller[:32],
        "to_number": dialled[:32],
        "arrived_at": at,
        "in_coverage": decision.kind == "queue",
        "queued_at": at if queued else None,
        "queue": queue if queued else None,
        # nothing has ended yet: the outcome is open unless we answer for nobody now
        "outcome": "closed" if decision.kind == "closed" else "in_progress",
        "carrier_status": "ringing",
    }
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        written = _index_and_record(connection, record)
    elif index_call(call_sid, shop_id):
        connection.execute(insert_row(Call).values(record))
        written = True
    else:
        written = False
    if written:
        return
    # A retry of the webhook: the index is there, and the record with it (written now if not).
    existing = db.session.scalar(
        select(Call.id).where(Call.shop_id == shop_id, Call.call_sid == call_sid)
    )
    if existing is None:
        connection.execute(insert_row(Call).values(record))


def _index_and_record(connection: Connection, record: dict[str, Any]) -> bool:
    """PostgreSQL: the index row and the record in one statement; False when the index was there
    (a retried webhook), and then nothing is written."""
    values = {f"new_{name}": value for name, value in record.items()}
    values["indexed_at"] = utcnow()
    written = connection.execute(_index_and_record_statement(tuple(record)), values)
    return bool(written.rowcount == 1)


@cache
def _index_and_record_statement(names: tuple[str, ...]) -> Insert:
    """Built once per set of columns: the busiest statement of the service."""
    columns = Call.__table__.c
    claimed = (
        postgresql.insert(CallIndex)
        .values(
            call_sid=bindparam("new_call_sid", type_=columns["call_sid"].type),
            shop_id=bindparam("new_shop_id", type_=columns["shop_id"].type),
            created_at=bindparam("indexed_at", type_=CallIndex.__table__.c.created_at.type),
        )
        .on_conflict_do_nothing(index_elements=["call_sid"])
        .returning(CallIndex.call_sid)
        .cte("claimed")
    )
    row = select(*(bindparam(f"new_{name}", type_=columns[name].type) for name in names))
    # the columns not given take their server defaults, as in a plain insert
    insert = insert_row(Call).from_select(
        list(names), row.select_from(claimed), include_defaults=False
    )
    # the row count of an INSERT is kept only when asked for; it tells a first webhook from a retry
    return insert.add_cte(claimed).execution_options(preserve_rowcount=True)


def find_call(shop_id: uuid.UUID, call_sid: str, *, lock: bool = False) -> Call | None:
    """The call; with `lock`, held until commit so two callbacks of one call apply one by one."""
    locking = lock and db.session.get_bind().dialect.name == "postgresql"
    return db.session.scalar(_call_by_sid(locking), {"shop_id": shop_id, "call_sid": call_sid})


@cache
def _call_by_sid(lock: bool) -> Select[Call]:
    """Built once: every callback of every call reads its call with it."""
    query = select(Call).where(
        Call.shop_id == bindparam("shop_id"), Call.call_sid == bindparam("call_sid")
    )
    return query.with_for_update() if lock else query


def indexed_call(call_sid: str) -> Call | None:
    """The call a callback names, locked until commit, with the session scoped to its shop from
    then on, in one round trip: found through the call index, which the scope (staff-wide) must
    be able to read. None when that does not find it (a number no shop rents, a call not indexed
    yet: `shop_of_indexed_call` tells them apart). PostgreSQL only."""
    row = db.session.execute(_locked_indexed_call(), {"call_sid": call_sid}).first()
    if row is None:
        return None
    call: Call = row[0]
    assume_scope(db.session, Scope(shop_id=call.shop_id))
    return call


@cache
def _locked_indexed_call() -> Select[Any]:
    """Built once: every callback of every call reads its call with it."""
    index = CallIndex.__table__.c
    return (
        select(Call, *settings_of_found_shop(index.shop_id))
        .join_from(
            Call,
            CallIndex.__table__,
            (index.shop_id == Call.shop_id) & (index.call_sid == Call.call_sid),
        )
        .where(index.call_sid == bindparam("call_sid"))
        .with_for_update(of=Call)
    )


def shop_of_indexed_call(call_sid: str) -> tuple[uuid.UUID | None] | None:
    """`(shop,)` of a call we have indexed (`(None,)`: a number no shop rents), with the session
    scoped to that shop from then on (on PostgreSQL by the lookup itself); None when the call is
    not indexed yet. The scope must be staff-wide to read the index."""
    connection = db.session.connection()
    in_statement = connection.dialect.name == "postgresql"
    row = connection.execute(_indexed_shop(scoping=in_statement), {"call_sid": call_sid}).first()
    if row is None:
        return None
    scope = Scope(shop_id=row[0]) if row[0] is not None else Scope()
    (assume_scope if in_statement else set_scope)(db.session, scope)
    return (row[0],)


@cache
def _indexed_shop(*, scoping: bool) -> Select[Any]:
    index = CallIndex.__table__.c
    query = select(index.shop_id).where(index.call_sid == bindparam("call_sid"))
    return query.add_columns(*settings_of_found_shop(index.shop_id)) if scoping else query


def apply_status(
    call: Call, params: Mapping[str, str], at: datetime, short_abandon: timedelta
) -> None:
    """A status callback: times are set once, a stronger status replaces a weaker one."""
    status = params.get("CallStatus", "")
    if status not in STATUS_RANK:
        return
    if STATUS_RANK[status] > STATUS_RANK.get(call.carrier_status, -1):
        call.carrier_status = status
    if status in TERMINAL:
        ended = callback_time(params, at)
        if call.ended_at is None or ended < call.ended_at:
            call.ended_at = ended
        duration = params.get("CallDuration", "")
        if duration.isdigit():
            call.duration_s = max(call.duration_s or 0, int(duration))
    call.outcome = derive_outcome(call, short_abandon)


def apply_recording(call: Call, params: Mapping[str, str], short_abandon: timedelta) -> None:
    if params.get("RecordingStatus", "completed") != "completed":
        return
    call.recording_sid = call.recording_sid or params.get("RecordingSid", "")[:64] or None
    call.recording_url = call.recording_url or params.get("RecordingUrl", "")[:500] or None
    duration = params.get("RecordingDuration", "")
    if duration.isdigit():
        call.recording_duration_s = max(call.recording_duration_s or 0, int(duration))
    call.outcome = derive_outcome(call, short_abandon)


def callback_time(params: Mapping[str, str], received: datetime) -> datetime:
    """When the carrier says the event happened (`Timestamp`, RFC 2822), else when it arrived."""
    try:
        stamp = parsedate_to_datetime(params.get("Timestamp", ""))
    except (TypeError, ValueError):
        return received
    return stamp if stamp.tzinfo is not None else received


def derive_outcome(call: Call, short_abandon: timedelta) -> str:
    """The outcome from the record's fields alone (DESIGN.md section 2)."""
    if call.outcome in ("closed", "unknown_number"):
        return call.outcome
    if call.answered_at is not None:
        return "answered"
    if call.direction == "outbound":  # a callback we placed: answered, or not reached
        return "failed" if call.ended_at else "in_progress"
    if call.callback_requested_at is not None:
        return "callback"
    if not call.in_coverage:
        return (
            "after_hours_message"
            if call.recording_sid
            else ("after_hours" if call.ended_at else "in_progress")
        )
    if call.ended_at is None:
        return "in_progress"
    if call.queued_at is None:  # hung up (or failed) in the voice menu: never offered
        return "failed" if call.carrier_status in ("failed", "busy") else "menu_hangup"
    if call.queued_at is not None and call.ended_at - call.queued_at < short_abandon:
        return "short_abandon"
    return "abandoned"


def demand_contribution(call: Call) -> dict[str, Any] | None:
    """What the call counts for in the demand history now (None while unsettled or not queued)."""
    if call.queue is None or call.queued_at is None or call.outcome not in demand.OUTCOMES:
        return None
    end = call.answered_at or call.ended_at or call.queued_at
    handle = 0.0
    if call.outcome == "answered" and call.answered_at and call.ended_at:
        handle = (call.ended_at - call.answered_at).total_seconds()
    return {
        "queue": call.queue,
        "queued_at": call.queued_at.isoformat(),
        "outcome": call.outcome,
        "wait_s": max(0.0, (end - call.queued_at).total_seconds()),
        "handle_s": handle,
        "shop_id": str(call.shop_id),
    }


def report_demand(call: Call, sl_threshold_s: int) -> None:
    """Keep the call's share of the demand history equal to what the call says now.

    A late callback can change a settled call (a stronger status, an earlier end): what was
    counted is taken back and the new share counted, so repeats and reorders converge.
    """
    now = demand_contribution(call)
    before = call.demand_record
    if now == before:
        return
    for share, sign in ((before, -1), (now, 1)):
        if share is not None:
            demand.record_call(
                share["queue"],
                queued_at=datetime.fromisoformat(share["queued_at"]),
                outcome=share["outcome"],
                wait_s=share["wait_s"],
                handle_s=share["handle_s"],
                sl_threshold_s=sl_threshold_s,
                sign=sign,
                shop_id=uuid.UUID(share["shop_id"]) if share.get("shop_id") else None,
            )
    call.demand_record = now
    call.demand_recorded_at = utcnow() if now is not None else None


def menu_options(shop_id: uuid.UUID) -> list[dict[str, object]]:
    """The voice menu of the published script, by key."""
    published = scripts.latest_version(shop_id)
    options = published.content.get("menu", []) if published else []
    return sorted(options, key=lambda option: int(option["key"]))


def enter_queue(call: Call, at: datetime) -> str:
    """The caller leaves the voice menu for their shop's queue: from now on the call is offered."""
    if call.queued_at is None:
        call.queued_at, call.queue = at, queues.queue_of(call.shop_id)
    return call.queue or DEFAULT_QUEUE


def choose(call: Call, digits: str, options: list[dict[str, object]]) -> bool:
    """Record the caller's menu choice; False when the key is not on the menu."""
    for option in options:
        if digits == str(option["key"]):
            call.menu_choice = str(option["label"])[:60]
            call.menu_category = str(option.get("category") or "")[:40] or None
            return True
    return False
