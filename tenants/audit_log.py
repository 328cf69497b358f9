"""The staff audit log as a person reads it: who acted and on what, by name, ids kept for support.

Events store ids and codes (`tenants.services.audit`); this module turns a page of them into names
with two queries, one for the people and one for the shops the page mentions, however many rows
the page has.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import or_, select

from tenants.db import db
from tenants.models import AuditEvent, Shop, User
from tenants.services import audit_events


@dataclass(frozen=True)
class Named:
    """Someone or something a row names: a name to read, a detail beside it, the id for support."""

    name: str
    detail: str | None  # a person's e-mail address, a shop's ID (slug)
    id: str


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    actor: Named | None  # None: the system acted (a job, the command line, the carrier)
    target: Named | None  # None: the target as written (an e-mail nobody has, a call, a key)
    shop: Named | None  # the shop the action concerned, when it is not the target itself


@dataclass
class _Names:
    users: dict[uuid.UUID, Named]
    users_by_email: dict[str, Named]
    shops: dict[uuid.UUID, Named]


def audit_log(limit: int = 200) -> list[AuditRow]:
    """The latest events with their actors, targets and shops named (staff scope)."""
    events = audit_events(limit)
    names = _load_names(events)
    return [_row(event, names) for event in events]


def _as_id(raw: str | None) -> uuid.UUID | None:
    if not raw or len(raw) != 36:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def _load_names(events: Iterable[AuditEvent]) -> _Names:
    events = list(events)
    target_ids = {found for e in events if (found := _as_id(e.target)) is not None}
    user_ids = {e.actor_user_id for e in events if e.actor_user_id} | target_ids
    emails = {e.target for e in events if e.target and "@" in e.target}
    shop_ids = {e.shop_id for e in events if e.shop_id} | target_ids
    names = _Names(users={}, users_by_email={}, shops={})
    if user_ids or emails:
        people = db.session.execute(
            select(User.id, User.display_name, User.email).where(
                or_(User.id.in_(user_ids), User.email.in_(emails))
            )
        )
        for user_id, display_name, email in people:
            person = Named(name=display_name, detail=email, id=str(user_id))
            names.users[user_id] = person
            names.users_by_email[email] = person
    if shop_ids:
        shops = db.session.execute(
            select(Shop.id, Shop.name, Shop.slug).where(Shop.id.in_(shop_ids))
        )
        for shop_id, name, slug in shops:
            names.shops[shop_id] = Named(name=name, detail=slug, id=str(shop_id))
    return names


def _row(event: AuditEvent, names: _Names) -> AuditRow:
    actor = names.users.get(event.actor_user_id) if event.actor_user_id else None
    if event.actor_user_id and actor is None:
        # The person has since been deleted: their id is all that is left.
        actor = Named(name=gettext("Deleted user"), detail=None, id=str(event.actor_user_id))
    shop = names.shops.get(event.shop_id) if event.shop_id else None
    target = _target(event, names, shop)
    if shop is not None and target is shop:
        shop = None  # the shop is the target: named once
    return AuditRow(event=event, actor=actor, target=target, shop=shop)


def _target(event: AuditEvent, names: _Names, shop: Named | None) -> Named | None:
    if not event.target:
        return None
    if shop is not None and event.target == shop.detail:
        return shop
    found = _as_id(event.target)
    if found is not None:
        return names.users.get(found) or names.shops.get(found)
    return names.users_by_email.get(event.target)
