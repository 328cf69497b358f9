"""What an incoming call needs to know about its shop, kept in each process between calls.

Every call reads its number's shop together with the shop's `call_setup_version`, which the
database's triggers move whenever anything a caller hears changes: the shop's name or status, its
coverage versions, closures and 臨時休業, its published script, its queue. A process uses its copy of a shop's
setup only while that version matches, so an owner's change applies to the very next call in every
process, and a call to a busy shop costs three statements on PostgreSQL (the transaction's scope,
this lookup, the call's index and record; `test_a_call_costs_three_statements_...` counts them).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from scheduling import queues
from tenants.coverage import services as coverage
from tenants.coverage.schedule import Coverage
from tenants.db import db
from tenants.models import Shop
from tenants.numbers import services as numbers
from tenants.scripts import services as scripts

MAX_SHOPS = 20_000  # a copy is a few kilobytes; past this the cache starts again


@dataclass(frozen=True)
class CallSetup:
    shop_id: uuid.UUID
    version: int
    name_kana: str
    status: str
    emergency_message: str | None
    coverage: Coverage
    after_hours_message: str
    menu: tuple[dict[str, object], ...]
    queue: str

    def covers(self, at: datetime) -> bool:
        return self.emergency_message is None and self.coverage.covers(at)


_setups: dict[uuid.UUID, CallSetup] = {}


def for_number(e164: str) -> CallSetup | None:
    """The setup of the shop renting this number, with the session scoped to that shop; None when
    no shop rents it (the scope must be staff-wide to read the number pool)."""
    found = numbers.shop_and_setup_version(e164, then_scope=True)
    if found is None:
        return None
    shop_id, version = found
    cached = _setups.get(shop_id)
    if cached is not None and cached.version == version:
        return cached
    setup = load(shop_id, version)
    if setup is not None:
        if len(_setups) >= MAX_SHOPS:
            _setups.clear()
        _setups[shop_id] = setup
    return setup


def load(shop_id: uuid.UUID, version: int) -> CallSetup | None:
    """Read the setup afresh (the scope must be this shop). Whatever is read is at least as new as
    `version`, so a copy is never older than the version it is kept under."""
    shop = db.session.get(Shop, shop_id)
    if shop is None:
        return None
    emergency = coverage.active_emergency(shop_id)
    published = scripts.latest_version(shop_id)
    content = published.content if published else {}
    menu = sorted(content.get("menu", []), key=lambda option: int(option["key"]))
    return CallSetup(
        shop_id=shop_id,
        version=version,
        name_kana=shop.name_kana,
        status=shop.status,
        emergency_message=emergency.message if emergency is not None else None,
        coverage=coverage.coverage_for(shop_id, emergency=emergency is not None),
        after_hours_message=content.get("after_hours_message") or "",
        menu=tuple(menu),
        queue=queues.queue_of(shop_id),
    )


def forget() -> None:
    """Drop every copy (tests that rewrite the database under a running process)."""
    _setups.clear()
