"""Live-call figures for `/metrics`: calls waiting and the longest wait, operators by state, today's
answer rate, and message deliveries by channel and state (with the oldest one still waiting)."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import ColumnElement, and_, func, or_, select

from answering.models import Call, Delivery
from scheduling.models import OperatorState
from tenants.coverage.services import TOKYO, today_in_tokyo
from tenants.db import db, utcnow
from tenants.metrics import register_gauge

Rows = list[tuple[dict[str, str], float]]


def _waiting() -> ColumnElement[bool]:
    """In the queue now: not answered yet, or handed back after a transfer nobody picked up."""
    return or_(
        and_(Call.outcome == "in_progress", Call.answered_at.is_(None)),
        and_(Call.returned_at.is_not(None), Call.ended_at.is_(None)),
    )


def waiting() -> Rows:
    rows = db.session.execute(
        select(Call.queue, func.count())
        .where(Call.queued_at.is_not(None), _waiting())
        .group_by(Call.queue)
    )
    return [({"queue": queue or "-"}, float(count)) for queue, count in rows]


def longest_wait() -> Rows:
    rows = db.session.execute(
        select(Call.queue, func.min(func.coalesce(Call.returned_at, Call.queued_at)))
        .where(Call.queued_at.is_not(None), _waiting())
        .group_by(Call.queue)
    )
    now = utcnow()
    return [
        ({"queue": queue or "-"}, (now - oldest).total_seconds())
        for queue, oldest in rows
        if oldest is not None
    ]


def operators() -> Rows:
    rows = db.session.execute(
        select(OperatorState.state, func.count()).group_by(OperatorState.state)
    )
    return [({"state": state}, float(count)) for state, count in rows]


def answer_rate_today() -> Rows:
    midnight = datetime.combine(today_in_tokyo(), time(), TOKYO)
    counts = {
        outcome: count
        for outcome, count in db.session.execute(
            select(Call.outcome, func.count())
            .where(
                Call.arrived_at >= midnight,
                Call.in_coverage.is_(True),
                Call.outcome.in_(("answered", "abandoned")),
            )
            .group_by(Call.outcome)
        )
    }
    offered = counts.get("answered", 0) + counts.get("abandoned", 0)
    return [({}, counts.get("answered", 0) / offered)] if offered else []


def deliveries() -> Rows:
    rows = db.session.execute(
        select(Delivery.channel, Delivery.state, func.count())
        .where(Delivery.state != "delivered")
        .group_by(Delivery.channel, Delivery.state)
    )
    return [({"channel": channel, "state": state}, float(count)) for channel, state, count in rows]


def oldest_undelivered() -> Rows:
    """How long the oldest due, undelivered message has waited (digests count from their time)."""
    now = utcnow()
    rows = db.session.execute(
        select(Delivery.channel, func.min(Delivery.created_at))
        .where(Delivery.state == "pending", Delivery.digest.is_(False), Delivery.attempts > 0)
        .group_by(Delivery.channel)
    )
    return [
        ({"channel": channel}, (now - oldest).total_seconds())
        for channel, oldest in rows
        if oldest is not None
    ]


def register() -> None:
    register_gauge("answering_calls_waiting", "Callers in the queue now", ["queue"], waiting)
    register_gauge(
        "answering_longest_wait_seconds",
        "The longest wait in the queue now",
        ["queue"],
        longest_wait,
    )
    register_gauge("answering_operators", "Operators by state", ["state"], operators)
    register_gauge(
        "answering_answer_rate_today",
        "Answered ÷ offered today (Asia/Tokyo)",
        [],
        answer_rate_today,
    )
    register_gauge(
        "answering_message_deliveries",
        "Message deliveries not delivered (pending: waiting or retrying; failed: given up)",
        ["channel", "state"],
        deliveries,
    )
    register_gauge(
        "answering_oldest_retried_delivery_seconds",
        "Age of the oldest message delivery still being retried",
        ["channel"],
        oldest_undelivered,
    )
