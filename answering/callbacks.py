"""The operators' callback list: callers who asked to be called back, due now (their window is open
and the shop is in coverage), and the outcome an operator records (reached, no answer, wrong number)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from answering.models import Message
from tenants.coverage import services as coverage
from tenants.db import db
from tenants.models import Shop, User
from tenants.scoping import SYSTEM, Scope, get_for_shop, set_scope

OUTCOMES = ("reached", "no_answer", "wrong_number")
LIMIT = 200


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


def due(now: datetime) -> list[Task]:
    """Open callback tasks whose window contains `now`, of shops we answer for now; soonest end first."""
    set_scope(db.session, SYSTEM)  # the list spans every shop the operators answer for
    rows = db.session.execute(
        select(Message, Shop)
        .join(Shop, Shop.id == Message.shop_id)
        .where(
            Message.callback_from <= now,
            Message.callback_until >= now,
            Message.callback_outcome.is_(None),
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
            tasks.append(Task(message, shop))
    return tasks


class OutcomeRefused(ValueError):
    """Not an outcome, or the task is closed already; the message says which."""


def record_outcome(
    operator: User, shop_id: uuid.UUID, message_id: str, outcome: str, now: datetime
) -> Message:
    """Close a callback task with its outcome, read in its shop's scope (no such task: 404)."""
    set_scope(db.session, Scope(shop_id=shop_id))
    message = get_for_shop(Message, shop_id, message_id)
    if message.callback_from is None:
        raise NotFound()
    if outcome not in OUTCOMES:
        raise OutcomeRefused(gettext("Choose how the callback went."))
    if message.callback_outcome is not None:
        raise OutcomeRefused(gettext("This callback has been recorded already."))
    message.callback_outcome = outcome
    message.callback_done_at = now
    message.callback_done_by = operator.id
    return message
