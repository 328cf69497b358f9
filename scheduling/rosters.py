"""Operators' skills, availability and leave, and the roster that gives them shifts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext
from sqlalchemy import delete, select

from scheduling.models import (
    Campaign,
    OperatorAvailability,
    OperatorLeave,
    OperatorSkill,
    Queue,
    Roster,
    RosteredShift,
    ShiftPattern,
    Team,
    TeamMember,
)
from scheduling.queues import label as queue_label
from scheduling.shifts import (
    DEFAULT_PATTERNS,
    SLOTS_PER_DAY,
    LabourRules,
    Pattern,
    Shift,
    shifts_of,
)
from tenants.db import db, new_id, utcnow
from tenants.models import StaffRole, User

SLOT = timedelta(minutes=30)


class WorkforceRefused(ValueError):
    """An entry the rules do not allow; the message says why."""


# --- skills, availability, leave ---------------------------------------------------------------


def skills_of(user: User) -> list[str]:
    return list(
        db.session.scalars(
            select(OperatorSkill.queue)
            .where(OperatorSkill.user_id == user.id)
            .order_by(OperatorSkill.queue)
        )
    )


def set_skills(user: User, queues: Sequence[str]) -> list[str]:
    """Replace the queues an operator may serve (by their keys; each must be a queue staff created)."""
    if user.staff_role != StaffRole.OPERATOR:
        raise WorkforceRefused(gettext("Only operators have skills."))
    cleaned = sorted({q.strip() for q in queues if q.strip()})
    existing = set(db.session.scalars(select(Queue.key).where(Queue.key.in_(cleaned))))
    unknown = [q for q in cleaned if q not in existing]
    if unknown:
        raise WorkforceRefused(
            gettext(
                "There is no queue %(queue)s: create it on the Queues page first.",
                queue=unknown[0],
            )
        )
    db.session.execute(delete(OperatorSkill).where(OperatorSkill.user_id == user.id))
    db.session.add_all(OperatorSkill(user_id=user.id, queue=q) for q in cleaned)
    return cleaned


def availability_of(user: User) -> list[OperatorAvailability]:
    return list(
        db.session.scalars(
            select(OperatorAvailability)
            .where(OperatorAvailability.user_id == user.id)
            .order_by(OperatorAvailability.weekday, OperatorAvailability.start_minute)
        )
    )


def add_availability(user: User, weekday: int, start: time, end: time | None) -> None:
    """A weekly window (`end` None: until midnight) in which the operator can work."""
    if user.staff_role != StaffRole.OPERATOR:
        raise WorkforceRefused(gettext("Only operators have availability."))
    if weekday not in range(7):
        raise WorkforceRefused(gettext("Choose a day of the week."))
    first = start.hour * 60 + start.minute
    last = 1440 if end is None or end == time() else end.hour * 60 + end.minute
    if first % 30 or last % 30:
        raise WorkforceRefused(gettext("Times are on the hour or the half hour."))
    if first >= last:
        raise WorkforceRefused(gettext("The window ends after it starts (use 24:00 for midnight)."))
    db.session.add(
        OperatorAvailability(
            id=new_id(), user_id=user.id, weekday=weekday, start_minute=first, end_minute=last
        )
    )


def leave_of(user: User) -> list[OperatorLeave]:
    return list(
        db.session.scalars(
            select(OperatorLeave)
            .where(OperatorLeave.user_id == user.id)
            .order_by(OperatorLeave.first_day)
        )
    )


def add_leave(user: User, first: date, last: date, note: str | None) -> None:
    if user.staff_role != StaffRole.OPERATOR:
        raise WorkforceRefused(gettext("Only operators take leave here."))
    if last < first:
        raise WorkforceRefused(gettext("Leave ends on or after its first day."))
    if (last - first).days > 366:
        raise WorkforceRefused(gettext("Leave is at most a year at a time."))
    note = (note or "").strip() or None
    if note is not None and len(note) > 120:
        raise WorkforceRefused(gettext("The note has at most 120 characters."))
    db.session.add(
        OperatorLeave(id=new_id(), user_id=user.id, first_day=first, last_day=last, note=note)
    )


def available_slots(user: User, first_day: date, days: int) -> frozenset[int]:
    """Slots of the horizon the operator can work: their weekly windows (any time when they gave
    none), less the days of their leave."""
    windows = availability_of(user)
    leave = leave_of(user)
    slots: set[int] = set()
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if any(entry.first_day <= day <= entry.last_day for entry in leave):
            continue
        base = offset * SLOTS_PER_DAY
        if not windows:
            slots.update(range(base, base + SLOTS_PER_DAY))
            continue
        for window in windows:
            if window.weekday == day.weekday():
                slots.update(
                    range(base + window.start_minute // 30, base + window.end_minute // 30)
                )
    return frozenset(slots)


# --- patterns and operators ---------------------------------------------------------------------


def active_patterns(rules: LabourRules | None = None) -> list[Pattern]:
    """The patterns in use (those within the rules' day, when `rules` are given); the 4 h and
    8 h defaults while none is."""
    rows = db.session.scalars(
        select(ShiftPattern)
        .where(ShiftPattern.active.is_(True))
        .order_by(ShiftPattern.work_minutes, ShiftPattern.name)
    ).all()
    found = [
        Pattern(row.name, row.work_minutes, row.break_minutes, row.start_minute) for row in rows
    ]
    if rules is not None:
        found = [p for p in found if p.work_minutes <= rules.max_daily_hours * 60]
    return found or list(DEFAULT_PATTERNS)


def operators_for(queue: str, teams: Sequence[Team] = ()) -> list[User]:
    """Active operators who may serve `queue` (members of `teams` when some are named)."""
    query = (
        select(User)
        .join(OperatorSkill, OperatorSkill.user_id == User.id)
        .where(
            OperatorSkill.queue == queue,
            User.staff_role == StaffRole.OPERATOR,
            User.is_active.is_(True),
        )
        .order_by(User.display_name, User.email)
    )
    if teams:
        query = query.join(TeamMember, TeamMember.user_id == User.id).where(
            TeamMember.team_id.in_([t.id for t in teams])
        )
    return list(db.session.scalars(query))


# --- the roster ---------------------------------------------------------------------------------


def moment(first_day: date, tz: ZoneInfo, slot: int) -> datetime:
    return (datetime.combine(first_day, time(), tz) + slot * SLOT).astimezone(UTC)


def rostered(
    shift: Shift, first_day: date, tz: ZoneInfo, operator_id: uuid.UUID | None
) -> RosteredShift:
    break_start = shift.start + shift.break_offset
    return RosteredShift(
        id=new_id(),
        operator_id=operator_id,
        starts_at=moment(first_day, tz, shift.start),
        ends_at=moment(first_day, tz, shift.end),
        break_starts_at=moment(first_day, tz, break_start) if shift.break_slots else None,
        break_ends_at=(
            moment(first_day, tz, break_start + shift.break_slots) if shift.break_slots else None
        ),
        work_minutes=shift.work_slots * 30,
    )


def latest_roster(queue: str, first_day: date) -> Roster | None:
    return db.session.scalar(
        select(Roster).where(Roster.queue == queue, Roster.first_day == first_day)
    )


def upcoming_shifts(user: User, now: datetime, limit: int = 60) -> list[RosteredShift]:
    """An operator's shifts that have not ended yet, the soonest first."""
    return list(
        db.session.scalars(
            select(RosteredShift)
            .where(RosteredShift.operator_id == user.id, RosteredShift.ends_at > now)
            .order_by(RosteredShift.starts_at)
            .limit(limit)
        )
    )


# --- campaign days ------------------------------------------------------------------------------


def add_campaign(
    queue: str, day: date, multiplier: float, note: str | None, *, actor: User | None
) -> Campaign:
    """A day `queue` expects `multiplier` times its usual calls (a sale, a TV spot)."""
    if not 0.1 <= multiplier <= 20:
        raise WorkforceRefused(gettext("The multiplier is between 0.1 and 20."))
    note = (note or "").strip() or None
    if note is not None and len(note) > 120:
        raise WorkforceRefused(gettext("The note has at most 120 characters."))
    campaign = Campaign(
        id=new_id(),
        queue=queue,
        day=day,
        multiplier=multiplier,
        note=note,
        created_by=actor.id if actor else None,
        created_at=utcnow(),
    )
    db.session.add(campaign)
    return campaign


def campaigns_between(queue: str, first: date, last: date) -> list[Campaign]:
    return list(
        db.session.scalars(
            select(Campaign)
            .where(Campaign.queue == queue, Campaign.day >= first, Campaign.day <= last)
            .order_by(Campaign.day)
        )
    )


# --- adjusting a published roster by hand -------------------------------------------------------


def rule_breaks(
    operator: User, shift: RosteredShift, roster: Roster, rules: LabourRules | None = None
) -> list[str]:
    """What giving `shift` to `operator` would break: skill, leave, one shift a day, rest, the
    hours and days of the calendar week (Monday to Sunday, a shift counting in the week it
    starts) across every roster they are on (messages already translated; empty when nothing)."""
    rules = rules or LabourRules()
    tz = ZoneInfo(roster.tz)
    problems = []
    if roster.queue not in skills_of(operator):
        problems.append(
            gettext(
                "%(name)s lacks the skill %(queue)s.",
                name=operator.display_name,
                queue=queue_label(roster.queue),
            )
        )
    day = shift.starts_at.astimezone(tz).date()
    if any(entry.first_day <= day <= entry.last_day for entry in leave_of(operator)):
        problems.append(gettext("%(name)s is on leave that day.", name=operator.display_name))
    theirs = shifts_around(operator, shift)
    rest = timedelta(hours=rules.min_rest_hours)
    for other in theirs:
        if other.starts_at.astimezone(tz).date() == day:
            problems.append(gettext("%(name)s already works that day.", name=operator.display_name))
        elif other.starts_at < shift.ends_at + rest and shift.starts_at < other.ends_at + rest:
            problems.append(
                gettext(
                    "%(name)s would rest less than %(hours)g hours between shifts.",
                    name=operator.display_name,
                    hours=rules.min_rest_hours,
                )
            )
    monday = day - timedelta(days=day.weekday())
    same_week = [
        s for s in theirs if monday <= s.starts_at.astimezone(tz).date() < monday + timedelta(7)
    ]
    minutes = sum(s.work_minutes for s in same_week) + shift.work_minutes
    if minutes > rules.max_weekly_hours * 60:
        problems.append(
            gettext(
                "%(name)s would work more than %(hours)g hours in the week.",
                name=operator.display_name,
                hours=rules.max_weekly_hours,
            )
        )
    if len(same_week) + 1 > rules.max_shifts_per_week:
        problems.append(
            gettext("%(name)s would have no day off in the week.", name=operator.display_name)
        )
    return problems


def shifts_around(operator: User, shift: RosteredShift) -> list[RosteredShift]:
    """The operator's other shifts on any roster from eight days before `shift` to eight after."""
    query = select(RosteredShift).where(
        RosteredShift.operator_id == operator.id,
        RosteredShift.starts_at < shift.ends_at + timedelta(days=8),
        RosteredShift.ends_at > shift.starts_at - timedelta(days=8),
    )
    if shift.id is not None:
        query = query.where(RosteredShift.id != shift.id)
    return list(db.session.scalars(query))


def reassign(shift: RosteredShift, operator: User | None) -> None:
    """Give a shift to another operator (None: leave it open); refused when it breaks a rule."""
    if operator is not None:
        problems = rule_breaks(operator, shift, shift.roster)
        if problems:
            raise WorkforceRefused(" ".join(dict.fromkeys(problems)))
    shift.operator_id = operator.id if operator else None


def remove_shift(shift: RosteredShift) -> None:
    roster = shift.roster
    roster.paid_slots -= shift.work_minutes // 30
    roster.shifts.remove(shift)


def add_shift(roster: Roster, day: date, start: time, pattern: Pattern) -> RosteredShift:
    """A shift added by hand (open until given to someone), its break in the middle as the law
    asks."""
    tz = ZoneInfo(roster.tz)
    if not roster.first_day <= day < roster.first_day + timedelta(days=roster.days):
        raise WorkforceRefused(gettext("The day is outside the roster's week."))
    if start.minute % 30 or start.second:
        raise WorkforceRefused(gettext("Times are on the hour or the half hour."))
    slot = (day - roster.first_day).days * SLOTS_PER_DAY + (start.hour * 60 + start.minute) // 30
    placed = shifts_of(pattern, slot, LabourRules())
    shift = rostered(placed[len(placed) // 2], roster.first_day, tz, None)
    roster.shifts.append(shift)
    roster.paid_slots += shift.work_minutes // 30
    return shift
