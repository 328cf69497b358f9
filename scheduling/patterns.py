"""Shift patterns supervisors keep: worked time, break and start, checked against the Labour
Standards Act (Article 34: a break of at least 45 minutes for more than 6 hours worked, 60 for
more than 8) before the roster builder may use them."""

from __future__ import annotations

import uuid

from flask_babel import gettext
from sqlalchemy import select

from scheduling.models import ShiftPattern
from scheduling.rosters import WorkforceRefused
from scheduling.shifts import SLOT_MINUTES, LabourRules
from tenants.db import db, new_id

MAX_WORK_MINUTES = 12 * 60
FIELDS = ("name", "work", "break", "start")


class PatternRefused(WorkforceRefused):
    """A pattern the rules do not allow; `field` names the entry to correct (one of FIELDS)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def all_patterns() -> list[ShiftPattern]:
    """Every pattern, those in use first, shortest first."""
    return list(
        db.session.scalars(
            select(ShiftPattern).order_by(
                ShiftPattern.active.desc(), ShiftPattern.work_minutes, ShiftPattern.name
            )
        )
    )


def checked(
    name: str, work_minutes: int, break_minutes: int, start_minute: int | None
) -> tuple[str, int, int, int | None]:
    """The pattern's fields, or PatternRefused saying what the rules do not allow."""
    name = name.strip()
    if not name or len(name) > 40:
        raise PatternRefused("name", gettext("A pattern needs a name of up to 40 characters."))
    if not 0 < work_minutes <= MAX_WORK_MINUTES or work_minutes % SLOT_MINUTES:
        raise PatternRefused(
            "work", gettext("Worked time is 30 minutes to 12 hours, in steps of 30 minutes.")
        )
    if not 0 <= break_minutes <= 180 or break_minutes % 15:
        raise PatternRefused(
            "break", gettext("A break is 0 to 180 minutes, in steps of 15 minutes.")
        )
    legal = LabourRules().break_minutes(work_minutes)
    if break_minutes < legal:
        raise PatternRefused(
            "break",
            gettext(
                "%(worked)s worked needs a break of at least %(minimum)d minutes (Labour "
                "Standards Act, Article 34: 45 minutes for more than 6 hours, 60 for more "
                "than 8).",
                worked=hours_text(work_minutes),
                minimum=legal,
            ),
        )
    if start_minute is not None and (not 0 <= start_minute < 1440 or start_minute % SLOT_MINUTES):
        raise PatternRefused("start", gettext("Times are on the hour or the half hour."))
    return name, work_minutes, break_minutes, start_minute


def hours_text(minutes: int) -> str:
    """`8時間`, `6時間30分` (English: `8 h`, `6 h 30 min`)."""
    hours, rest = divmod(minutes, 60)
    if rest:
        return str(gettext("%(hours)d h %(minutes)d min", hours=hours, minutes=rest))
    return str(gettext("%(hours)d h", hours=hours))


def name_taken(name: str, other_than: uuid.UUID | None = None) -> bool:
    query = select(ShiftPattern.id).where(ShiftPattern.name == name)
    if other_than is not None:
        query = query.where(ShiftPattern.id != other_than)
    return db.session.scalar(query) is not None


def create_pattern(
    name: str, work_minutes: int, break_minutes: int, start_minute: int | None
) -> ShiftPattern:
    """A new pattern in use from now on."""
    name, work_minutes, break_minutes, start_minute = checked(
        name, work_minutes, break_minutes, start_minute
    )
    if name_taken(name):
        raise PatternRefused("name", gettext("There is already a pattern of that name."))
    pattern = ShiftPattern(
        id=new_id(),
        name=name,
        work_minutes=work_minutes,
        break_minutes=break_minutes,
        start_minute=start_minute,
        active=True,
    )
    db.session.add(pattern)
    return pattern


def update_pattern(
    pattern: ShiftPattern,
    name: str,
    work_minutes: int,
    break_minutes: int,
    start_minute: int | None,
) -> None:
    """Change a pattern; rosters already published keep their shifts."""
    name, work_minutes, break_minutes, start_minute = checked(
        name, work_minutes, break_minutes, start_minute
    )
    if name_taken(name, pattern.id):
        raise PatternRefused("name", gettext("There is already a pattern of that name."))
    pattern.name, pattern.work_minutes = name, work_minutes
    pattern.break_minutes, pattern.start_minute = break_minutes, start_minute


def set_active(pattern: ShiftPattern, active: bool) -> None:
    """Retire a pattern (the roster builder stops using it) or bring it back."""
    pattern.active = active


def effective_break(pattern: ShiftPattern) -> int:
    """The break the roster places: at least the law's, on the half-hour grid (45 → 60)."""
    minutes = max(LabourRules().break_minutes(pattern.work_minutes), pattern.break_minutes or 0)
    return -(-minutes // SLOT_MINUTES) * SLOT_MINUTES
