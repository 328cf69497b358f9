"""The operators' callback list: callers who asked to be called back, due now (their window is open
and the shop is in coverage). An operator takes a task before dialling, so two never call the same
customer (a claim lapses after 15 minutes), then records the outcome (reached, no answer, wrong
number)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import ColumnElement, or_, select, update
from werkzeug.exceptions import NotFound

from answering.models import Message
from tenants.coverage import services as coverage
from tenants.db import db
from tenants.models import Shop, User
from tenants.scoping import SYSTEM, Scope, get_for_shop, set_scope

OUTCOMES = ("reached", "no_answer", "wrong_number")
LIMIT = 200
CLAIM_LAPSES = timedelta(minutes=15)


def outcome_labels() -> dict[str, str]:
    return {
        "reached": gettext("Reached"),
        "no_answer": gettext("No answer"),
        "wrong_number": gettext("Wrong number"),
    }


@dataclass(frozen=True)
class Task:
    message: Message
    shop: Shop
    mine: bool  # taken by the operator looking at the list


def _free_or_mine(operator: User, now: datetime) -> ColumnElement[bool]:
    return or_(
        Message.callback_claimed_by.is_(None),
        Message.callback_claimed_by == operator.id,
        Message.callback_claimed_at < now - CLAIM_LAPSES,
    )


def due(operator: User, now: datetime) -> list[Task]:
    """Open callback tasks whose window contains `now`, of shops we answer for now, not taken by
    another operator; soonest end first."""
    set_scope(db.session, SYSTEM)  # the list spans every shop the operators answer for
    rows = db.session.execute(
        select(Message, Shop)
        .join(Shop, Shop.id == Message.shop_id)
        .where(
            Message.callback_from <= now,
            Message.callback_until >= now,
            Message.callback_outcome.is_(None),
            _free_or_mine(operator, now),
        )
        .order_by(Message.callback_until)
        .limit(LIMIT)
    ).all()
    covered: dict[uuid.UUID, bool] = {}
    tasks = []
    for message, shop in rows:
        if shop.id not in covered:
            covered[shop.id] = coverage.is_covered(shop.id, now)
        if covered[shop.id]:
            tasks.append(Task(message, shop, message.callback_claimed_by == operator.id))
    return tasks


class OutcomeRefused(ValueError):
    """Not an outcome, the task is closed already, or another operator has it; the message says which."""


def claim(operator: User, shop_id: uuid.UUID, message_id: str, now: datetime) -> Message:
    """Take a callback task before dialling (compare-and-set: of two operators, one gets it)."""
    message = _task(shop_id, message_id)
    taken = db.session.execute(
        update(Message)
        .where(
            Message.shop_id == shop_id,
            Message.id == message.id,
            Message.callback_outcome.is_(None),
            _free_or_mine(operator, now),
        )
        .values(callback_claimed_by=operator.id, callback_claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise OutcomeRefused(gettext("Another operator is calling this customer back."))
    db.session.refresh(message)
    return message


def _task(shop_id: uuid.UUID, message_id: str) -> Message:
    set_scope(db.session, Scope(shop_id=shop_id))
    message = get_for_shop(Message, shop_id, message_id)
    if message.callback_from is None:
        raise NotFound()
    return message


def record_outcome(
    operator: User, shop_id: uuid.UUID, message_id: str, outcome: str, now: datetime
) -> Message:
    """Close a callback task with its outcome, read in its shop's scope (no such task: 404)."""
    message = _task(shop_id, message_id)
    if outcome not in OUTCOMES:
        raise OutcomeRefused(gettext("Choose how the callback went."))
    if message.callback_outcome is not None:
        raise OutcomeRefused(gettext("This callback has been recorded already."))
    if (
        message.callback_claimed_by not in (None, operator.id)
        and message.callback_claimed_at is not None
        and message.callback_claimed_at >= now - CLAIM_LAPSES
    ):
        raise OutcomeRefused(gettext("Another operator is calling this customer back."))
    message.callback_outcome = outcome
    message.callback_done_at = now
    message.callback_done_by = operator.id
    return message
