"""Queues: each is a group of shops whose calls wait together and are served by the operators
skilled for it. A shop is in the shared queue until staff put it in another.

A queue has a key and a name. The key is what the carrier, routing, skills, call records, demand
history, rosters and campaigns use: short, without spaces or URL-reserved characters (it may be
Japanese, e.g. `A班`), and never changed once created. The name is what staff read on every page
(Japanese by default, e.g. 共通キュー for the shared queue); it can be changed at any time and is
unique as a reader compares names (width, case and spaces aside).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import g, has_app_context
from flask_babel import gettext
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from scheduling.models import OperatorSkill, Queue, ShopQueue, Team, TeamMember, comparable
from tenants.db import db, utcnow
from tenants.models import AuditEvent, Shop, StaffRole, User
from tenants.services import ValidationFailed, audit

SHARED_QUEUE = "team-default"
SHARED_NAME = "共通キュー"  # the shared queue's name until staff rename it
KEY = re.compile(r"^[^\s/\\?#%&<>\"']{1,40}$")
MAX_NAME = 40
_CACHE = "_queue_names"


class QueueRefused(ValueError):
    """A queue that cannot be created, renamed or deleted; `errors` names the fields and says why."""

    def __init__(self, errors: dict[str, str], teams: list[Team] | None = None) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors
        self.teams = teams or []  # the teams whose page the message sends staff to


# --- reading --------------------------------------------------------------------------------------


def all_queues() -> list[Queue]:
    """Every queue: the shared one first, then by name."""
    rows = db.session.scalars(select(Queue)).all()
    return sorted(rows, key=lambda q: (q.key != SHARED_QUEUE, q.name, q.key))


def get(key: str) -> Queue | None:
    return db.session.get(Queue, key) if key else None


def names() -> dict[str, str]:
    """Each queue's name by its key, read once per request (pages name many queues)."""
    if has_app_context() and _CACHE in g:
        cached: dict[str, str] = g.get(_CACHE)
        return cached
    found = {q.key: q.name for q in db.session.scalars(select(Queue))}
    if has_app_context():
        setattr(g, _CACHE, found)
    return found


def _forget_names() -> None:
    if has_app_context():
        g.pop(_CACHE, None)


def label(queue: str) -> str:
    """How a queue is named on pages: its name; a key without a queue (history imported for it,
    calls of a queue deleted since) as it is."""
    found = names().get(queue)
    if found is not None:
        return found
    return gettext("Shared queue") if queue == SHARED_QUEUE else queue


_AUDITED = {"queue.created", "queue.renamed", "queue.deleted"}  # the target is the queue's key


def audit_names(
    _sender: object, *, events: Iterable[AuditEvent]
) -> dict[tuple[uuid.UUID, str], str]:
    """The queues a page of the audit log mentions, named (the `audit_names` signal): the target of
    queue events, where a shop moved from and to. One query; a deleted queue is left unnamed."""
    wanted: dict[tuple[uuid.UUID, str], str] = {}
    for event in events:
        if event.action in _AUDITED and event.target:
            wanted[(event.id, "target")] = event.target
        elif event.action == "shop.queue_changed":
            for end in ("from", "to"):
                if key := (event.detail or {}).get(end):
                    wanted[(event.id, end)] = key
    if not wanted:
        return {}
    found: dict[str, str] = {
        key: name
        for key, name in db.session.execute(
            select(Queue.key, Queue.name).where(Queue.key.in_(set(wanted.values())))
        )
    }
    return {ref: found[key] for ref, key in wanted.items() if key in found}


def queue_of(shop_id: uuid.UUID) -> str:
    found = db.session.scalar(select(ShopQueue.queue).where(ShopQueue.shop_id == shop_id))
    return found or SHARED_QUEUE


def assignments() -> dict[uuid.UUID, str]:
    return {row.shop_id: row.queue for row in db.session.scalars(select(ShopQueue))}


@dataclass
class Usage:
    """Who a queue serves and who serves it: open shops in it, active operators skilled for it."""

    shops: list[Shop] = field(default_factory=list)
    operators: list[User] = field(default_factory=list)


def usage() -> dict[str, Usage]:
    """Every key in use by an open shop or an active operator's skill, with those shops and operators."""
    found: dict[str, Usage] = {}
    assigned = assignments()
    open_shops = db.session.scalars(
        select(Shop).where(Shop.status != "closed").order_by(Shop.name)
    ).all()
    for shop in open_shops:
        found.setdefault(assigned.get(shop.id, SHARED_QUEUE), Usage()).shops.append(shop)
    skilled = db.session.execute(
        select(OperatorSkill.queue, User)
        .join(User, User.id == OperatorSkill.user_id)
        .where(User.is_active.is_(True), User.staff_role == StaffRole.OPERATOR)
        .order_by(User.display_name, User.email)
    )
    for key, user in skilled:
        found.setdefault(key, Usage()).operators.append(user)
    return found


# --- changing -------------------------------------------------------------------------------------


def _key_fault(key: str) -> str | None:
    """What is wrong with a key, naming the character at fault; None if nothing."""
    if not key:
        return str(gettext("Give the queue a key."))
    if len(key) > 40:
        return str(
            gettext("A queue key has at most 40 characters; this one has %(n)d.", n=len(key))
        )
    for char in key:
        if char.isspace():
            return str(gettext("A queue key cannot contain a space."))
        if not KEY.match(char):
            return str(gettext("A queue key cannot contain 「%(char)s」.", char=char))
    if not key.strip("."):  # dots alone would name a folder in its URLs
        return str(gettext("A queue key cannot be only dots."))
    return None


def checked_key(raw: str) -> str:
    key = raw.strip()
    fault = _key_fault(key)
    if fault is not None:
        raise QueueRefused({"key": fault})
    wanted = comparable(key)
    for queue in db.session.scalars(select(Queue)):
        if comparable(queue.key) == wanted:
            raise QueueRefused(
                {
                    "key": gettext(
                        "The queue %(name)s already has the key %(key)s.",
                        name=queue.name,
                        key=queue.key,
                    )
                }
            )
    return key


def checked_name(raw: str, *, other_than: Queue | None = None) -> str:
    """A queue's name from what staff typed: required, at most 40 characters, and not the name of
    another queue as a reader compares names."""
    name = " ".join(raw.split())
    if not name:
        raise QueueRefused({"name": gettext("Give the queue a name.")})
    if len(name) > MAX_NAME:
        raise QueueRefused(
            {"name": gettext("A queue's name has at most %(n)d characters.", n=MAX_NAME)}
        )
    wanted = comparable(name)
    for queue in db.session.scalars(select(Queue)):
        if queue is not other_than and comparable(queue.name) == wanted:
            raise QueueRefused(
                {"name": gettext("Another queue is already called %(name)s.", name=queue.name)}
            )
    return name


@contextmanager
def _refused_if_taken(field_name: str, message: str) -> Iterator[None]:
    """Make the change inside and write it at once, in a savepoint begun before it, so that a key
    or name another supervisor took a moment ago is refused with a message (the primary key, the
    unique compared names), not an error page, and the rest of the request stands."""
    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except IntegrityError:
        raise QueueRefused({field_name: message}) from None
    _forget_names()


def create(raw_key: str, raw_name: str, *, actor: User | None, ip: str | None) -> Queue:
    """A new queue with no shops and no operators; both fields are checked, both errors told
    (`actor` None: from the command line)."""
    errors: dict[str, str] = {}
    key = name = ""
    try:
        key = checked_key(raw_key)
    except QueueRefused as refused:
        errors.update(refused.errors)
    try:
        name = checked_name(raw_name)
    except QueueRefused as refused:
        errors.update(refused.errors)
    if errors:
        raise QueueRefused(errors)
    queue = Queue(key=key, name=name, created_at=utcnow())
    with _refused_if_taken(
        "key", gettext("Another queue was created with this key or name a moment ago.")
    ):
        db.session.add(queue)
    audit("queue.created", actor=actor, target=key, ip=ip, detail={"key": key, "name": name})
    return queue


def rename(queue: Queue, raw_name: str, *, actor: User, ip: str | None) -> Queue:
    """A new name for staff to read; the key, and so the calls, skills and history, stay."""
    name = checked_name(raw_name, other_than=queue)
    before = queue.name
    if name == before:
        return queue
    with _refused_if_taken("name", gettext("Another queue took this name a moment ago.")):
        queue.name = name
    audit(
        "queue.renamed",
        actor=actor,
        target=queue.key,
        ip=ip,
        detail={"key": queue.key, "from": before, "to": name},
    )
    return queue


def delete_queue(queue: Queue, *, actor: User, ip: str | None) -> None:
    """Delete a queue no open shop waits in and no active operator has as a skill.

    Closed shops left in it go back to the shared queue and inactive operators lose the skill (no
    call can reach either); the history of its calls keeps the key.
    """
    if queue.key == SHARED_QUEUE:
        raise QueueRefused(
            {
                "delete": gettext(
                    "The shared queue cannot be deleted: every shop not moved to another queue "
                    "waits in it. It can be renamed."
                )
            }
        )
    used = usage().get(queue.key, Usage())
    reasons = []
    if used.shops:
        reasons.append(
            gettext(
                "Shops waiting in it: %(shops)s. Move them to another queue under Shops below.",
                shops="、".join(shop.name for shop in used.shops),
            )
        )
    if used.operators:
        reasons.append(
            gettext(
                "Operators with it as a skill: %(names)s. Take it off their skills on their "
                "team's page under Workforce.",
                names="、".join(user.display_name for user in used.operators),
            )
        )
    if reasons:
        refused = gettext("%(name)s is in use and cannot be deleted.", name=queue.name)
        teams = db.session.scalars(
            select(Team)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(TeamMember.user_id.in_([user.id for user in used.operators]))
            .distinct()
            .order_by(Team.name)
        ).all()
        raise QueueRefused({"delete": "\n".join([refused, *reasons])}, list(teams))  # a line each
    closed = db.session.scalar(
        select(func.count()).select_from(ShopQueue).where(ShopQueue.queue == queue.key)
    )
    db.session.execute(delete(ShopQueue).where(ShopQueue.queue == queue.key))
    db.session.execute(delete(OperatorSkill).where(OperatorSkill.queue == queue.key))
    db.session.delete(queue)
    _forget_names()
    audit(
        "queue.deleted",
        actor=actor,
        target=queue.key,
        ip=ip,
        detail={"key": queue.key, "name": queue.name, "closed_shops": closed or 0},
    )


def assign(shop: Shop, key: str, *, actor: User, ip: str | None) -> str:
    """Put the shop's calls in this queue from the next call on (the shared one removes the row)."""
    row = db.session.get(ShopQueue, shop.id)
    before = row.queue if row is not None else SHARED_QUEUE
    if key == before:
        return key
    if get(key) is None:
        raise ValidationFailed("queue", gettext("Choose a queue from the list."))
    if key == SHARED_QUEUE:
        db.session.delete(row)
    elif row is None:
        db.session.add(ShopQueue(shop_id=shop.id, queue=key))
    else:
        row.queue, row.updated_at = key, utcnow()
    audit(
        "shop.queue_changed",
        actor=actor,
        shop_id=shop.id,
        target=shop.slug,
        ip=ip,
        detail={"from": before, "to": key},
    )
    return key
