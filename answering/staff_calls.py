"""The staff's call records: every shop's calls, newest first, filtered by shop, days (Asia/Tokyo),
result, operator and caller, fifty to a page; and one call with everything recorded about it.

Staff read across shops: the request's staff scope admits every shop's rows. One page of the list
is two statements (the count, then the rows with the shop's and operator's names joined in; the
recording is a column of the call), however many rows it holds.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import aliased
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from answering import history
from answering.call_controls import controls_of
from answering.models import Call, CallControl, Message
from tenants.db import db
from tenants.models import Shop, StaffRole, User
from tenants.scoping import parse_id


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to; empty fields narrow nothing."""

    shop_id: uuid.UUID | None = None
    since: date | None = None
    until: date | None = None
    outcome: str = ""
    operator_id: uuid.UUID | None = None
    caller: history.CallerSearch = field(default_factory=history.CallerSearch)

    def as_args(self) -> dict[str, str]:
        """The filters as the form's query string, for links that keep them (paging)."""
        args = {
            "shop": str(self.shop_id or ""),
            "from": self.since.isoformat() if self.since else "",
            "to": self.until.isoformat() if self.until else "",
            "outcome": self.outcome,
            "operator": str(self.operator_id or ""),
            "caller": self.caller.typed,
        }
        return {name: value for name, value in args.items() if value}


@dataclass(frozen=True)
class Choices:
    """What the form's selects offer: every shop and every operator or supervisor, by name; and
    each shop's id by its slug, for a link that names the shop as its own pages do."""

    shops: list[tuple[uuid.UUID, str]]
    operators: list[tuple[uuid.UUID, str]]
    shop_slugs: dict[str, uuid.UUID] = field(default_factory=dict)


def choices() -> Choices:
    shops = db.session.execute(
        select(Shop.id, Shop.name, Shop.slug).order_by(Shop.name, Shop.id)
    ).all()
    people = db.session.execute(
        select(User.id, User.display_name)
        .where(User.staff_role.in_((StaffRole.OPERATOR, StaffRole.SUPERVISOR)))
        .order_by(User.display_name, User.id)
    ).all()
    return Choices(
        [(s.id, s.name) for s in shops],
        [(u.id, u.display_name) for u in people],
        {s.slug: s.id for s in shops},
    )


def _known_id(raw: str, known: list[tuple[uuid.UUID, str]]) -> uuid.UUID | None:
    try:
        wanted = uuid.UUID(raw.strip())
    except ValueError:
        return None
    return wanted if any(wanted == key for key, _ in known) else None


def parse_filters(args: MultiDict[str, str], offered: Choices) -> tuple[Filters, list[str]]:
    """Filters from the query string; the shop by its id or its slug (hanako-zakka). A field that
    makes no sense (a malformed date, an end before the start, a shop or operator that does not
    exist, a number that is no number) is left out, and a message says so; the other fields
    still apply."""
    since, until, problems = history.day_range(args)
    shop_id = None
    if args.get("shop"):
        wanted = args["shop"].strip()
        shop_id = _known_id(wanted, offered.shops) or offered.shop_slugs.get(wanted.lower())
        if shop_id is None:
            problems.append(gettext("No such shop."))
    operator_id = None
    if args.get("operator"):
        operator_id = _known_id(args["operator"], offered.operators)
        if operator_id is None:
            problems.append(gettext("No such operator."))
    outcome, refused = history.outcome_from(args.get("outcome", ""))
    caller, unreadable = history.caller_from(args.get("caller", ""))
    problems += [problem for problem in (refused, unreadable) if problem]
    return Filters(shop_id, since, until, outcome, operator_id, caller), problems


@dataclass(frozen=True)
class Row:
    call: Call
    shop_name: str
    operator_name: str | None


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    paging: history.Paging


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    found = history.within_days(Call.arrived_at, filters.since, filters.until)
    if filters.shop_id:
        found.append(Call.shop_id == filters.shop_id)
    if filters.outcome:
        found.append(Call.outcome == filters.outcome)
    if filters.operator_id:
        found.append(Call.operator_id == filters.operator_id)
    found += filters.caller.conditions()
    return found


def calls(filters: Filters, asked: int = 1) -> tuple[Page, str | None]:
    """One page of calls of every shop (or the filtered ones), newest first, fifty to a page as
    the shop's own list; a page past the last shows the last, and the message says so. Two
    statements: the count and the page."""
    conditions = _conditions(filters)
    at, problem = history.paging(select(func.count()).select_from(Call).where(*conditions), asked)
    query = (
        select(Call, Shop.name, User.display_name)
        .join(Shop, Shop.id == Call.shop_id)
        .outerjoin(User, User.id == Call.operator_id)
        .where(*conditions)
        .order_by(Call.arrived_at.desc(), Call.id.desc())
        .offset(at.offset)
        .limit(history.PAGE_SIZE)
    )
    rows = [Row(call, shop, operator) for call, shop, operator in db.session.execute(query)]
    return Page(rows, at), problem


def wait_s(call: Call) -> int | None:
    """Seconds from entering the queue to the answer (or to hanging up, unanswered)."""
    end = call.answered_at or call.ended_at
    if call.queued_at is None or end is None:
        return None
    return max(int((end - call.queued_at).total_seconds()), 0)


@dataclass(frozen=True)
class Detail:
    """One call with everything recorded about it, for the staff's call page."""

    call: Call
    shop: Shop
    operator_name: str | None
    transferred_to_name: str | None
    controls: list[CallControl] = field(default_factory=list)
    message: Message | None = None


def call_of(raw_id: str) -> Call:
    """The call with this id in any shop, or 404."""
    found = db.session.scalar(select(Call).where(Call.id == parse_id(raw_id)))
    if found is None:
        raise NotFound()
    return found


def detail(raw_id: str) -> Detail:
    """The call with this id in any shop (staff read every shop), or 404."""
    operator, target = aliased(User), aliased(User)
    found = db.session.execute(
        select(Call, Shop, operator.display_name, target.display_name)
        .join(Shop, Shop.id == Call.shop_id)
        .outerjoin(operator, operator.id == Call.operator_id)
        .outerjoin(target, target.id == Call.transferred_to_id)
        .where(Call.id == parse_id(raw_id))
    ).first()
    if found is None:
        raise NotFound()
    call, shop, operator_name, target_name = found
    message = db.session.scalar(
        select(Message).where(Message.shop_id == call.shop_id, Message.call_id == call.id)
    )
    return Detail(call, shop, operator_name, target_name, controls_of(call), message)
