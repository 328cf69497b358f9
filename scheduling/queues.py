"""Queues: each is a group of shops whose calls wait together and are served by the operators
skilled for it. A shop is in the shared queue until staff put it in another.

Queue names are keys everywhere (call records, demand history, skills, rosters, campaigns), so a
name is short, has no spaces or URL-reserved characters, and may be Japanese (e.g. `A班`).
"""

from __future__ import annotations

import re
import uuid

from flask_babel import gettext
from sqlalchemy import select

from scheduling.models import DemandInterval, OperatorSkill, Roster, ShopQueue
from tenants.db import db, utcnow
from tenants.models import Shop, User
from tenants.services import ValidationFailed, audit

SHARED_QUEUE = "team-default"
NAME = re.compile(r"^[^\s/\\?#%&<>\"']{1,40}$")


def label(queue: str) -> str:
    """How a queue is named on pages: the shared queue by what it is, the others by their name."""
    return gettext("Shared queue") if queue == SHARED_QUEUE else queue


def queue_of(shop_id: uuid.UUID) -> str:
    found = db.session.scalar(select(ShopQueue.queue).where(ShopQueue.shop_id == shop_id))
    return found or SHARED_QUEUE


def assignments() -> dict[uuid.UUID, str]:
    return {row.shop_id: row.queue for row in db.session.scalars(select(ShopQueue))}


def known() -> list[str]:
    """Every queue named anywhere: the shared one, assigned ones, skills, rosters and history."""
    names = {SHARED_QUEUE}
    for column in (ShopQueue.queue, OperatorSkill.queue, Roster.queue, DemandInterval.queue):
        names.update(db.session.scalars(select(column).distinct()))
    return sorted(names, key=lambda name: (name != SHARED_QUEUE, name))


def checked_name(raw: str) -> str:
    """A queue's key from what staff typed; the shared queue may be named by its label."""
    name = raw.strip()
    if name in (SHARED_QUEUE, label(SHARED_QUEUE), "共通キュー", "Shared queue"):
        return SHARED_QUEUE
    if not NAME.match(name):
        raise ValidationFailed(
            "queue",
            gettext(
                "A queue name is 1 to 40 characters without spaces or any of / \\ ? # & < > and quotes."
            ),
        )
    return name


def assign(shop: Shop, raw: str, *, actor: User, ip: str | None) -> str:
    """Put the shop's calls in this queue from the next call on (the shared one removes the row)."""
    queue = checked_name(raw)
    row = db.session.get(ShopQueue, shop.id)
    before = row.queue if row is not None else SHARED_QUEUE
    if queue == before:
        return queue
    if queue == SHARED_QUEUE:
        db.session.delete(row)
    elif row is None:
        db.session.add(ShopQueue(shop_id=shop.id, queue=queue))
    else:
        row.queue, row.updated_at = queue, utcnow()
    audit(
        "shop.queue_changed",
        actor=actor,
        shop_id=shop.id,
        target=shop.slug,
        ip=ip,
        detail={"from": before, "to": queue},
    )
    return queue
