"""Reading and changing a shop's coverage. Billing and answering read coverage through here."""

from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext
from sqlalchemy import select

from tenants.coverage.models import CoverageClosure, CoverageVersion, EmergencyClosure
from tenants.coverage.schedule import (
    PRICE_BANDS,
    TOKYO,
    Band,
    BandError,
    Closure,
    Coverage,
    WeeklySchedule,
    holiday_name,
    minutes_by_price_band,
    parse_day,
)

# What other domains use of the coverage arithmetic (billing prices covered minutes per band).
__all__ = ["PRICE_BANDS", "TOKYO", "Coverage", "minutes_by_price_band"]
from tenants.db import db, new_id, utcnow
from tenants.models import Shop, User
from tenants.scoping import get_for_shop
from tenants.services import ValidationFailed, audit

MAX_MESSAGE = 500


def today_in_tokyo() -> date:
    return utcnow().astimezone(TOKYO).date()


def _schedule(row: CoverageVersion) -> WeeklySchedule:
    return WeeklySchedule(
        {int(k): tuple((s, e) for s, e in v) for k, v in row.week.items()},
        row.holiday_mode,
        tuple((s, e) for s, e in row.holiday_bands),
    )


def versions(shop_id: uuid.UUID) -> list[CoverageVersion]:
    """Every saved version, newest effective date first (same date: the later save wins)."""
    return list(
        db.session.scalars(
            select(CoverageVersion)
            .where(CoverageVersion.shop_id == shop_id)
            .order_by(CoverageVersion.effective_from.desc(), CoverageVersion.created_at.desc())
        )
    )


def closures(shop_id: uuid.UUID) -> list[CoverageClosure]:
    return list(
        db.session.scalars(
            select(CoverageClosure)
            .where(CoverageClosure.shop_id == shop_id)
            .order_by(CoverageClosure.starts_on)
        )
    )


def active_emergency(shop_id: uuid.UUID) -> EmergencyClosure | None:
    return db.session.scalar(
        select(EmergencyClosure).where(
            EmergencyClosure.shop_id == shop_id, EmergencyClosure.ended_at.is_(None)
        )
    )


def weekly_minutes(row: CoverageVersion) -> int:
    return _schedule(row).weekly_minutes()


def coverage_for(shop_id: uuid.UUID, *, emergency: bool | None = None) -> Coverage:
    """Everything that decides when we answer this shop, ready for `covers` and `minutes_on`
    (`emergency`: already known, so not read again)."""
    in_force: dict[date, WeeklySchedule] = {}
    for row in reversed(versions(shop_id)):  # oldest first, so a later save on a date wins
        in_force[row.effective_from] = _schedule(row)
    return Coverage(
        sorted(in_force.items()),
        [Closure(c.starts_on, c.ends_on, c.every_year) for c in closures(shop_id)],
        active_emergency(shop_id) is not None if emergency is None else emergency,
    )


def is_covered(shop_id: uuid.UUID, at: datetime) -> bool:
    """Whether we answer this shop's calls at `at` (an aware datetime)."""
    return coverage_for(shop_id).covers(at)


def current_version(shop_id: uuid.UUID) -> CoverageVersion | None:
    today = today_in_tokyo()
    for row in versions(shop_id):
        if row.effective_from <= today:
            return row
    return None


@dataclass(frozen=True)
class WeekInput:
    """What an owner typed: bands per weekday as text, the holiday rule, the effective date."""

    days: dict[int, str]
    holiday_mode: str
    holiday_bands: str
    effective_from: date | None


def read_week_input(given: WeekInput) -> tuple[WeeklySchedule, date]:
    """The schedule and effective date an owner typed, validated; raises `ValidationFailed`."""
    week: dict[int, tuple[Band, ...]] = {}
    for weekday in range(7):
        try:
            week[weekday] = parse_day(given.days.get(weekday, ""))
        except BandError as problem:
            raise ValidationFailed(f"day_{weekday}", str(problem)) from None
    try:
        holiday = parse_day(given.holiday_bands) if given.holiday_mode == "bands" else ()
    except BandError as problem:
        raise ValidationFailed("holiday_bands", str(problem)) from None
    if given.holiday_mode == "bands" and not holiday:
        raise ValidationFailed("holiday_bands", gettext("Enter the hours for public holidays."))
    try:
        schedule = WeeklySchedule(week, given.holiday_mode, holiday)
    except BandError as problem:
        raise ValidationFailed("week", str(problem)) from None
    effective = given.effective_from or today_in_tokyo()
    if effective < today_in_tokyo():
        raise ValidationFailed("effective_from", gettext("The hours cannot start in the past."))
    if effective > today_in_tokyo() + timedelta(days=5 * 366):
        raise ValidationFailed("effective_from", gettext("Choose a date within five years."))
    return schedule, effective


def coverage_with_draft(shop_id: uuid.UUID, given: WeekInput) -> Coverage:
    """The shop's coverage as it would be if `given` were saved now (for price estimates)."""
    schedule, effective = read_week_input(given)
    saved = coverage_for(shop_id)
    versions = [(d, s) for d, s in saved.versions if d < effective] + [(effective, schedule)]
    return Coverage(versions, saved.closures, saved.emergency_closed)


def save_version(shop: Shop, actor: User | None, given: WeekInput) -> CoverageVersion:
    """Validate and store a new version; nothing is stored when any field is wrong."""
    schedule, effective = read_week_input(given)
    row = CoverageVersion(
        id=new_id(),
        shop_id=shop.id,
        effective_from=effective,
        week={str(d): [list(b) for b in bands] for d, bands in schedule.week.items() if bands},
        holiday_mode=schedule.holiday_mode,
        holiday_bands=[list(b) for b in schedule.holiday_bands],
        created_by=actor.id if actor else None,
        created_at=utcnow(),  # set now, not at the flush: the API answers with it
    )
    db.session.add(row)
    return row


def add_closure(
    shop: Shop, *, starts_on: date, ends_on: date, reason: str, every_year: bool
) -> CoverageClosure:
    if ends_on < starts_on:
        raise ValidationFailed("ends_on", gettext("The last day is before the first day."))
    if not (starts_on.year >= 1900 and ends_on.year <= 2200):
        raise ValidationFailed("ends_on", gettext("Choose a date within five years."))
    if not every_year and ends_on < today_in_tokyo():
        raise ValidationFailed("ends_on", gettext("This closure is in the past."))
    if (ends_on - starts_on).days > 366:
        raise ValidationFailed("ends_on", gettext("A closure lasts at most a year."))
    row = CoverageClosure(
        id=new_id(),
        shop_id=shop.id,
        starts_on=starts_on,
        ends_on=ends_on,
        every_year=every_year,
        reason=reason.strip()[:120],
        created_at=utcnow(),
    )
    db.session.add(row)
    return row


def remove_closure(shop: Shop, closure_id: Any) -> None:
    db.session.delete(get_for_shop(CoverageClosure, shop.id, closure_id))


def start_emergency(
    shop: Shop, actor: User | None, message: str, ip: str | None
) -> EmergencyClosure:
    """Close at once; callers hear `message`. Starting twice keeps the first closure."""
    message = message.strip()
    if not message:
        raise ValidationFailed("message", gettext("Write what callers will hear."))
    if len(message) > MAX_MESSAGE:
        raise ValidationFailed(
            "message", gettext("Use at most %(count)d characters.", count=MAX_MESSAGE)
        )
    existing = active_emergency(shop.id)
    if existing is not None:
        return existing
    row = EmergencyClosure(
        id=new_id(),
        shop_id=shop.id,
        message=message,
        started_by=actor.id if actor else None,
        started_at=utcnow(),
    )
    db.session.add(row)
    audit("coverage.emergency_closed", actor=actor, shop_id=shop.id, target=shop.slug, ip=ip)
    return row


def end_emergency(shop: Shop, actor: User | None, ip: str | None) -> bool:
    row = active_emergency(shop.id)
    if row is None:
        return False
    row.ended_at = utcnow()
    audit("coverage.emergency_ended", actor=actor, shop_id=shop.id, target=shop.slug, ip=ip)
    return True


@dataclass(frozen=True)
class CalendarDay:
    day: date
    minutes: int
    bands: list[Band]
    holiday: str | None
    closed: bool


def month_calendar(shop_id: uuid.UUID, year: int, month: int) -> list[list[CalendarDay | None]]:
    """Weeks (Monday first) of the month, each day with its covered minutes."""
    hours = coverage_for(shop_id)
    weeks: list[list[CalendarDay | None]] = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        row: list[CalendarDay | None] = []
        for day in week:
            if day.month != month:
                row.append(None)
                continue
            bands = hours.minutes_on(day)
            row.append(
                CalendarDay(
                    day,
                    sum(e - s for s, e in bands),
                    bands,
                    holiday_name(day),
                    hours.closed_on(day),
                )
            )
        weeks.append(row)
    return weeks


def next_change(shop_id: uuid.UUID, after: datetime, horizon_days: int = 14) -> datetime | None:
    """When coverage next starts or stops after `after` (for "open until 18:00" on the dashboard)."""
    hours = coverage_for(shop_id)
    local = after.astimezone(TOKYO)
    state = hours.covers(after)
    for start, end in hours.intervals(
        local.date() - timedelta(days=1), local.date() + timedelta(days=horizon_days)
    ):
        for edge in (start, end):
            if edge > local and hours.covers(edge) != state:
                return edge
    return None
