"""The staff audit log as a person reads it: who acted and on what, by name, ids kept for support.

Events store ids, keys and codes (`tenants.services.audit`); this module turns a page of them into
names with a bounded number of queries however many rows the page has: one for the people, one for
the shops, and one for each domain that names its own things (queues, scorecard items) through the
`audit_names` signal. A change an event recorded (`from` and `to` in its detail) is shown as
「before → after」, with keys named the same way; phone numbers are shown in national format.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import or_, select

from tenants.audit_labels import ROLE_NAMES
from tenants.db import db
from tenants.models import AuditEvent, Shop, User
from tenants.numbers.services import national
from tenants.services import audit_events
from tenants.signals import audit_names

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@dataclass(frozen=True)
class Named:
    """Someone or something a row names: a name to read, a detail beside it, the id for support."""

    name: str
    detail: str | None  # a person's e-mail address, a shop's ID (slug)
    id: str  # what the event stored: an id, a key, a number in E.164


@dataclass(frozen=True)
class Change:
    """What an event changed, as recorded: the value before and after, named for reading."""

    before: Named | None  # None: nothing before (or not recorded)
    after: Named | None


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    actor: Named | None  # None: the system acted (a job, the command line, the carrier)
    target: Named | None  # None: the target as written (an e-mail nobody has, a call, a key)
    shop: Named | None  # the shop the action concerned, when it is not the target itself
    change: Change | None  # None: the event recorded no change from one value to another

    @property
    def ids(self) -> list[tuple[str, str]]:
        """The ids this row shows by name, for support staff to copy: (whose, id)."""
        found = [
            (gettext("By"), self.actor),
            (gettext("Target"), self.target),
            (gettext("Shop"), self.shop),
        ]
        return [(whose, named.id) for whose, named in found if named is not None]


@dataclass
class _Names:
    users: dict[uuid.UUID, Named]
    users_by_email: dict[str, Named]
    shops: dict[uuid.UUID, Named]
    things: dict[tuple[uuid.UUID, str], str]  # (event id, "target" or detail field) → name


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
    names = _Names(users={}, users_by_email={}, shops={}, things={})
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
    if events:
        for _receiver, named in audit_names.send(None, events=events):
            names.things.update(named or {})
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
    return AuditRow(
        event=event, actor=actor, target=target, shop=shop, change=_change(event, names)
    )


def _change(event: AuditEvent, names: _Names) -> Change | None:
    detail = event.detail or {}
    if "from" not in detail and "to" not in detail:
        return None
    before, after = (_value(event, field, detail.get(field), names) for field in ("from", "to"))
    return Change(before=before, after=after)


def _value(event: AuditEvent, field: str, raw: str | None, names: _Names) -> Named | None:
    """A recorded value as read: the name of what it is the key of, a number in national format,
    else as it was written (a name, a key whose thing is gone)."""
    if raw is None or raw == "":
        return None
    name = names.things.get((event.id, field))
    if name is not None:
        return Named(name=name, detail=None, id=raw)
    if E164.match(raw):
        return Named(name=national(raw), detail=None, id=raw)
    if event.action == "role.change" and raw in ROLE_NAMES:
        return Named(name=str(ROLE_NAMES[raw]), detail=None, id=raw)
    return Named(name=raw, detail=None, id=raw)


def _target(event: AuditEvent, names: _Names, shop: Named | None) -> Named | None:
    if not event.target:
        return None
    if shop is not None and event.target == shop.detail:
        return shop
    name = names.things.get((event.id, "target"))
    if name is not None:
        return Named(name=name, detail=None, id=event.target)
    found = _as_id(event.target)
    if found is not None:
        return names.users.get(found) or names.shops.get(found)
    if E164.match(event.target):
        return Named(name=national(event.target), detail=None, id=event.target)
    return names.users_by_email.get(event.target)
