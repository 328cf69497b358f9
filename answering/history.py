"""What the shop portal shows of its calls: the call list (a page at a time, filtered by day,
result and caller) and today's counts. Every function takes the shop and filters on it in the same query.

The staff's call records (`answering.staff_calls`) read their filters and pages with the same
functions, so both lists take the same input and say the same about what they could not use."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext
from sqlalchemy import ColumnElement, Select, SQLColumnExpression, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from answering.models import OUTCOMES, Call
from tenants.coverage.services import TOKYO, today_in_tokyo
from tenants.db import db
from tenants.numbers.services import to_e164

PAGE_SIZE = 50
# Fewer last digits than this match too many numbers to be a search for one caller.
MIN_ENDING = 4
# What people put between the digits of a number (after NFKC, which makes full-width ones ASCII);
# ー is the long-vowel mark typed for a hyphen on a Japanese keyboard.
NUMBER_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−ー()]")
# Days outside these years are typing mistakes; they would also overflow the conversion to UTC.
FIRST_YEAR, LAST_YEAR = 2000, 2200
# How a day is written: as the date input sends it, and as people type or paste it.
DAY_FORMS = (
    re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"),
    re.compile(r"([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})"),
    re.compile(r"([0-9]{4})年\s*([0-9]{1,2})月\s*([0-9]{1,2})日?"),
)


@dataclass(frozen=True)
class CallerSearch:
    """The caller's number a list is narrowed to (the whole number, or its last digits), and the
    text typed for it; neither narrows nothing."""

    typed: str = ""  # as it was typed, to show in the form again
    number: str = ""  # a whole number, E.164
    ending: str = ""  # the last digits of the number (at least `MIN_ENDING`), digits only

    def conditions(self) -> list[ColumnElement[bool]]:
        """The calls with this caller: the number that called us, or the customer we called back
        (on our callbacks the customer's number is the one dialled)."""
        if not (self.number or self.ending):
            return []

        def matches(column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
            # Digits only, so the ending carries no LIKE wildcard.
            return column == self.number if self.number else column.endswith(self.ending)

        return [
            or_(
                and_(Call.direction != "outbound", matches(Call.from_number)),
                and_(Call.direction == "outbound", matches(Call.to_number)),
            )
        ]


@dataclass(frozen=True)
class CallFilters:
    since: date | None = None  # first day shown, Asia/Tokyo
    until: date | None = None  # last day shown, inclusive
    outcome: str = ""  # one of `OUTCOMES`, or every result
    caller: CallerSearch = CallerSearch()

    def query_args(self) -> dict[str, str]:
        """The filters as the list's query string, for links that keep them."""
        args = {
            "from": self.since,
            "to": self.until,
            "outcome": self.outcome,
            "caller": self.caller.typed,
        }
        return {name: str(value) for name, value in args.items() if value}


@dataclass(frozen=True)
class Paging:
    """Where one page of a list sits among every row that matches: the count line and the pager."""

    total: int  # rows matching the filters, on every page
    number: int  # this page, from 1
    pages: int  # at least 1, even when nothing matches

    @property
    def offset(self) -> int:
        return (self.number - 1) * PAGE_SIZE

    @property
    def first(self) -> int:
        """Position of the page's first row among all that match (1-based; 0 when none)."""
        return self.offset + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.offset + PAGE_SIZE, self.total)


@dataclass(frozen=True)
class CallPage:
    calls: list[Call]
    paging: Paging


def parse_filters(args: Mapping[str, str]) -> tuple[CallFilters, list[str]]:
    """Filters from the list's query string, and what was wrong with it in words for the shop: a
    field that makes no sense (a malformed day, a result not in the list, a number that is no
    number) is left out with a message, an end before the start swaps the two; the other fields
    still apply."""
    since, until, problems = day_range(args)
    outcome, refused = outcome_from(args.get("outcome", ""))
    caller, unreadable = caller_from(args.get("caller", ""))
    problems += [problem for problem in (refused, unreadable) if problem]
    return CallFilters(since, until, outcome, caller), problems


def outcome_from(raw: str) -> tuple[str, str | None]:
    """The result a list is narrowed to (one of `OUTCOMES`), or every result and why."""
    if not raw or raw in OUTCOMES:
        return raw, None
    return "", gettext("Choose a result from the list.")


def caller_from(raw: str) -> tuple[CallerSearch, str | None]:
    """The caller's number typed in a list's filter: a whole number (09012345678, 090-1234-5678,
    +81…) or its last `MIN_ENDING` digits or more (9801, 12-9801), hyphens and spaces ignored and
    full-width digits read; otherwise no caller, and why. The typed text is kept either way, so
    the form shows it again."""
    typed = raw.strip()[:40]
    if not typed:
        return CallerSearch(), None
    number = to_e164(typed)
    if number is not None:
        return CallerSearch(typed, number=number), None
    digits = NUMBER_SEPARATORS.sub("", unicodedata.normalize("NFKC", typed))
    if not (digits.isascii() and digits.isdigit()) and not (
        digits.startswith("+") and digits[1:].isascii() and digits[1:].isdigit()
    ):
        return CallerSearch(typed), gettext(
            "A phone number is digits only (hyphens and spaces are fine), so “%(typed)s” was not"
            " searched. Enter the whole number, like 090-1234-5678, or its last 4 digits or more.",
            typed=typed,
        )
    if digits.startswith("+") or len(digits) < MIN_ENDING:
        return CallerSearch(typed), gettext(
            "Enter the caller's whole number, like 090-1234-5678, or its last 4 digits or more."
        )
    return CallerSearch(typed, ending=digits), None


def day_range(args: Mapping[str, str]) -> tuple[date | None, date | None, list[str]]:
    """The first and last day of a list's `from`/`to` filter, and what was wrong with them in
    words for the reader: a day that is not one is left out, an end before the start swaps the two."""
    problems: list[str] = []
    days: list[date | None] = []
    for name in ("from", "to"):
        day, problem = day_from(args.get(name, ""))
        days.append(day)
        if problem:
            problems.append(problem)
    since, until = days
    if since and until and until < since:
        since, until = until, since
        problems.append(gettext("The end date was before the start date, so the two were swapped."))
    return since, until, problems


def day_from(raw: str) -> tuple[date | None, str | None]:
    """A day typed in a filter (2026-11-24 as the date input sends it, or 2026/11/24 and
    2026年11月24日 as people type and paste them; full-width digits too), or None and why it was
    left out: malformed, a day the calendar does not have (2026-02-30), or outside the years
    anyone means (which would also overflow the conversion to UTC)."""
    typed = unicodedata.normalize("NFKC", raw).strip()
    if not typed:
        return None, None
    found = next((m for form in DAY_FORMS if (m := form.fullmatch(typed))), None)
    if found is None:
        return None, gettext("Dates look like 2026-11-24; that one was left out.")
    year, month, day = (int(part) for part in found.groups())
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None, gettext("Choose a day between 2000 and 2200; that one was left out.")
    try:
        return date(year, month, day), None
    except ValueError:
        return None, gettext(
            "There is no such day as %(typed)s; that one was left out.", typed=typed
        )


def asked_page(raw: str | None) -> tuple[int, str | None]:
    """The page asked for in the query string (from 1; full-width digits too), or page 1 and why
    when it is no page number. No page at all is page 1, without a word."""
    typed = unicodedata.normalize("NFKC", raw or "").strip()
    if not typed:
        return 1, None
    # Past 18 digits it is no page anyone means (and Python refuses to read very long numbers).
    if typed.isascii() and typed.isdigit() and len(typed) <= 18 and int(typed) >= 1:
        return int(typed), None
    return 1, gettext(
        "“%(typed)s” is not a page number (pages are counted from 1), so the first page is shown.",
        typed=typed[:20],
    )


def paging(count: Select[int], asked: int) -> tuple[Paging, str | None]:
    """Where the page asked for sits, from one COUNT statement of the matching rows; a page past
    the last shows the last, and the message says so."""
    total = int(db.session.scalar(count) or 0)
    pages = max(-(-total // PAGE_SIZE), 1)
    if asked <= pages:
        return Paging(total, asked, pages), None
    problem = gettext(
        "There is no page %(asked)d (the list has %(pages)d), so the last page is shown.",
        asked=asked,
        pages=pages,
    )
    return Paging(total, pages, pages), problem


def call_page(shop_id: uuid.UUID, filters: CallFilters, asked: int) -> tuple[CallPage, str | None]:
    """One page of the shop's calls, newest first; a page past the last shows the last (and the
    message says so). Two statements, however many calls there are."""
    conditions = _conditions(shop_id, filters)
    at, problem = paging(select(func.count()).select_from(Call).where(*conditions), asked)
    calls = db.session.scalars(
        select(Call)
        .where(*conditions)
        .order_by(Call.arrived_at.desc(), Call.id.desc())
        .limit(PAGE_SIZE)
        .offset(at.offset)
    )
    return CallPage(list(calls), at), problem


def talk_s(call: Call) -> int | None:
    """The call's talk time, as both call lists show it: seconds from the answer to the end of the
    call; None when nobody answered (the carrier's duration counts the voice menu, the queue and
    the ringing too) or while the call goes on."""
    if call.answered_at is None or call.ended_at is None:
        return None
    return max(int((call.ended_at - call.answered_at).total_seconds()), 0)


def within_days(
    column: SQLColumnExpression[datetime], since: date | None, until: date | None
) -> list[ColumnElement[bool]]:
    """Conditions keeping `column` within the Tokyo days `since` to `until` (either may be open)."""
    found: list[ColumnElement[bool]] = []
    if since:
        found.append(column >= datetime.combine(since, time(), TOKYO))
    if until:
        found.append(column < datetime.combine(until + timedelta(days=1), time(), TOKYO))
    return found


def _conditions(shop_id: uuid.UUID, filters: CallFilters) -> list[ColumnElement[bool]]:
    found = [
        Call.shop_id == shop_id,
        *within_days(Call.arrived_at, filters.since, filters.until),
        *filters.caller.conditions(),
    ]
    if filters.outcome:
        found.append(Call.outcome == filters.outcome)
    return found


def today_counts(shop_id: uuid.UUID) -> Counter[str]:
    """Today's calls to the shop (Asia/Tokyo) by outcome, plus "total"; the callbacks we placed
    to its customers are not calls it received."""
    midnight = datetime.combine(today_in_tokyo(), time(), TOKYO)
    outcomes = db.session.scalars(
        select(Call.outcome).where(
            Call.shop_id == shop_id, Call.arrived_at >= midnight, Call.direction == "inbound"
        )
    ).all()
    counts = Counter(outcomes)
    counts["total"] = len(outcomes)
    return counts
