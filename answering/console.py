"""What the operator's console shows while a call is theirs: the shop, what to say, the notices,
the caller's menu choice, and this caller's earlier calls and messages with this shop (never
another shop's).

The console reads a shop's data only through the call the operator holds now: the request runs in
that shop's scope, so row-level security keeps every other shop out of reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from answering.calls import shop_of_call
from answering.messages import disposition_labels, filing_call_sid, shop_categories
from answering.models import Call, Message
from tenants.coverage.services import today_in_tokyo
from tenants.db import db
from tenants.models import Shop, User
from tenants.numbers import services as numbers
from tenants.scoping import SYSTEM, Scope, set_scope
from tenants.scripts import content as script
from tenants.scripts import search
from tenants.scripts import services as scripts

HISTORY = 10


@dataclass(frozen=True)
class CallCard:
    call: Call
    shop: Shop
    content: dict[str, Any]
    version: int | None
    notices: list[dict[str, Any]]
    history: list[Call]
    answered: bool
    messages: list[Message]

    @property
    def withheld(self) -> bool:
        """The caller hid their number: there is no telling their earlier calls."""
        return numbers.is_withheld(self.call.from_number)

    @property
    def dispositions(self) -> dict[str, str]:
        return disposition_labels()

    @property
    def categories(self) -> dict[str, str]:
        return shop_categories(self.content)

    @property
    def filed(self) -> bool:
        return self.call.filed_at is not None

    def search(self, query: str) -> list[search.Hit]:
        return search.search(self.content, query) if query.strip() else []


def card_for(operator: User) -> CallCard | None:
    """The card of the call given to this operator now (or, in after-call work, of the call they
    have still to file), read in that call's shop scope."""
    call_sid = filing_call_sid(operator)
    if call_sid is None:
        return None
    set_scope(db.session, SYSTEM)
    shop_id = shop_of_call(call_sid)
    if shop_id is None:
        return None
    set_scope(db.session, Scope(shop_id=shop_id))
    call = db.session.scalar(select(Call).where(Call.shop_id == shop_id, Call.call_sid == call_sid))
    shop = db.session.get(Shop, shop_id)
    if call is None or shop is None or call.operator_id != operator.id:
        return None
    published = scripts.latest_version(shop_id)
    content = published.content if published is not None else script.empty()
    history: list[Call] = []
    earlier_messages: list[Message] = []
    # A withheld number is nobody in particular: other withheld callers are not this caller.
    if not numbers.is_withheld(call.from_number):
        history = list(
            db.session.scalars(
                select(Call)
                .where(
                    Call.shop_id == shop_id,
                    Call.from_number == call.from_number,
                    Call.id != call.id,
                )
                .order_by(Call.arrived_at.desc())
                .limit(HISTORY)
            )
        )
        earlier_messages = list(
            db.session.scalars(
                select(Message)
                .where(Message.shop_id == shop_id, Message.caller_number == call.from_number)
                .order_by(Message.created_at.desc())
                .limit(HISTORY)
            )
        )
    return CallCard(
        call=call,
        shop=shop,
        content=content,
        version=published.number if published is not None else None,
        notices=script.current_notices(content, today_in_tokyo()),
        history=history,
        answered=call.answered_at is not None and call.returned_at is None,
        messages=earlier_messages,
    )
