"""The shop's inbox: its messages with read/unread, search and filters, reply notes, and the
delivery log of each message. Every function takes the shop and filters on it in the same query."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext
from sqlalchemy import Select, func, select

from answering.history import day_from, within_days
from answering.messages import DISPOSITIONS
from answering.models import Delivery, DeliveryAttempt, Message, MessageNote
from tenants.db import db, new_id
from tenants.models import User
from tenants.scripts import search
from tenants.services import ValidationFailed

PAGE = 100
MAX_NOTE = 2000


@dataclass(frozen=True)
class Filters:
    query: str = ""
    urgency: str = ""  # "", "urgent", "normal"
    category: str = ""  # a shared disposition, or "shop:<the shop's category>"
    status: str = ""  # "", "unread", "read"
    since: date | None = None
    until: date | None = None


def parse_filters(args: dict[str, str]) -> tuple[Filters, str | None]:
    """Filters from a query string; a malformed date is ignored with a message, never an error page."""
    problem = None
    days: list[date | None] = []
    for name in ("from", "to"):
        day, refused = day_from(args.get(name, ""))
        days.append(day)
        problem = refused or problem
    urgency = args.get("urgency", "")
    status = args.get("status", "")
    category = args.get("category", "")
    if category and category not in DISPOSITIONS and not category.startswith("shop:"):
        category = ""
    return (
        Filters(
            query=args.get("q", "").strip()[:100],
            urgency=urgency if urgency in ("urgent", "normal") else "",
            category=category[:45],
            status=status if status in ("unread", "read") else "",
            since=days[0],
            until=days[1],
        ),
        problem,
    )


def messages(shop_id: uuid.UUID, filters: Filters) -> list[Message]:
    return list(db.session.scalars(_filtered(shop_id, filters).limit(PAGE)))


def unread_count(shop_id: uuid.UUID) -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Message)
            .where(Message.shop_id == shop_id, Message.read_at.is_(None))
        )
        or 0
    )


def _filtered(shop_id: uuid.UUID, filters: Filters) -> Select[Message]:
    query = select(Message).where(Message.shop_id == shop_id)
    for word in search.normalise(filters.query).replace("-", "").split():
        query = query.where(Message.search_text.contains(word, autoescape=True))
    if filters.urgency:
        query = query.where(Message.urgency == filters.urgency)
    if filters.category.startswith("shop:"):
        query = query.where(Message.category == filters.category.removeprefix("shop:"))
    elif filters.category:
        query = query.where(Message.disposition == filters.category)
    if filters.status == "unread":
        query = query.where(Message.read_at.is_(None))
    elif filters.status == "read":
        query = query.where(Message.read_at.is_not(None))
    query = query.where(*within_days(Message.created_at, filters.since, filters.until))
    return query.order_by(Message.created_at.desc())


def notes(message: Message) -> list[tuple[MessageNote, User | None]]:
    rows = db.session.execute(
        select(MessageNote, User)
        .outerjoin(User, User.id == MessageNote.author_id)
        .where(MessageNote.shop_id == message.shop_id, MessageNote.message_id == message.id)
        .order_by(MessageNote.created_at)
    ).all()
    return [(note, author) for note, author in rows]


def add_note(message: Message, author: User, body: str, now: datetime) -> MessageNote:
    text = body.strip()
    if not text:
        raise ValidationFailed("body", gettext("Write the note first."))
    if len(text) > MAX_NOTE:
        raise ValidationFailed("body", gettext("Use at most %(count)d characters.", count=MAX_NOTE))
    note = MessageNote(
        id=new_id(),
        shop_id=message.shop_id,
        message_id=message.id,
        author_id=author.id,
        body=text,
        created_at=now,
    )
    db.session.add(note)
    return note


def deliveries(message: Message) -> list[tuple[Delivery, list[DeliveryAttempt]]]:
    """Each delivery of the message with its attempts, newest attempt first."""
    rows = db.session.scalars(
        select(Delivery)
        .where(Delivery.shop_id == message.shop_id, Delivery.message_id == message.id)
        .order_by(Delivery.channel)
    ).all()
    attempts: dict[uuid.UUID, list[DeliveryAttempt]] = {row.id: [] for row in rows}
    for attempt in db.session.scalars(
        select(DeliveryAttempt)
        .where(
            DeliveryAttempt.shop_id == message.shop_id,
            DeliveryAttempt.delivery_id.in_(list(attempts)),
        )
        .order_by(DeliveryAttempt.at.desc())
    ):
        attempts[attempt.delivery_id].append(attempt)
    return [(row, attempts[row.id]) for row in rows]
