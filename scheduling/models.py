"""The workforce's tables: teams, skills, availability, demand history, rosters, operator states.

Staff and queue tables: no shop owns a row (queues serve many shops)."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from tenants.db import Model, UTCDateTime, new_id, utcnow
from tenants.models import User


class Team(Model):
    __tablename__ = "teams"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    leader_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    leader: Mapped[User | None] = relationship()
    members: Mapped[list[TeamMember]] = relationship(
        back_populates="team", cascade="all, delete-orphan"
    )


class TeamMember(Model):
    __tablename__ = "team_members"

    team_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, unique=True
    )

    team: Mapped[Team] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class DemandInterval(Model):
    """Call demand of one queue in one interval (30 minutes, Asia/Tokyo), written as calls end.

    Counts follow DESIGN.md section 2: short abandons are kept apart from offered and abandoned.
    A reference table of the workforce: queues serve many shops, so no shop owns a row.
    """

    __tablename__ = "demand_intervals"

    queue: Mapped[str] = mapped_column(String(40), primary_key=True)
    interval_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    offered: Mapped[int] = mapped_column(default=0)
    answered: Mapped[int] = mapped_column(default=0)
    abandoned: Mapped[int] = mapped_column(default=0)
    short_abandoned: Mapped[int] = mapped_column(default=0)
    callbacks: Mapped[int] = mapped_column(default=0)
    answered_within_sl: Mapped[int] = mapped_column(default=0)
    wait_s_answered: Mapped[int] = mapped_column(default=0)
    wait_s_abandoned: Mapped[int] = mapped_column(default=0)
    handle_s: Mapped[int] = mapped_column(default=0)


class HistoryImport(Model):
    """A call log already added to a queue's history (by its SHA-256), so it is never added twice."""

    __tablename__ = "history_imports"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    queue: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    calls: Mapped[int] = mapped_column()
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("queue", "sha256"),)


OPERATOR_STATES = ("offline", "ready", "on_call", "after_call_work", "break", "not_ready")


class OperatorState(Model):
    """Where an operator is now (one row per operator)."""

    __tablename__ = "operator_states"

    operator_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(20), default="offline")
    reason: Mapped[str | None] = mapped_column(String(60))
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    call_sid: Mapped[str | None] = mapped_column(String(64), index=True)  # the call given to them
    after_call_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    operator: Mapped[User] = relationship()


class OperatorStateChange(Model):
    """Every change of state, with who made it: the workforce and the reports read this log."""

    __tablename__ = "operator_state_changes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    operator_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(60))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    changed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class OperatorSkill(Model):
    """A queue an operator may serve."""

    __tablename__ = "operator_skills"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    queue: Mapped[str] = mapped_column(String(40), primary_key=True)

    user: Mapped[User] = relationship()


class OperatorAvailability(Model):
    """A weekly window an operator can work (local time of the queue). None at all: any time."""

    __tablename__ = "operator_availability"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column()  # Monday 0 … Sunday 6
    start_minute: Mapped[int] = mapped_column()
    end_minute: Mapped[int] = mapped_column()  # up to 1440; past midnight: a second window

    user: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint(
            "start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute", name="window"
        ),
    )


class OperatorLeave(Model):
    """Days off an operator asked for (both days included): no shift starts or runs in them."""

    __tablename__ = "operator_leave"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    first_day: Mapped[date] = mapped_column()
    last_day: Mapped[date] = mapped_column()
    note: Mapped[str | None] = mapped_column(String(120))

    user: Mapped[User] = relationship()

    __table_args__ = (CheckConstraint("first_day <= last_day", name="days"),)


class ShiftPattern(Model):
    """A shift the optimiser may use: worked minutes, the unpaid break (at least the law's), and
    a fixed start or any half hour. Retired patterns stay (inactive) for the record."""

    __tablename__ = "shift_patterns"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    work_minutes: Mapped[int] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)
    break_minutes: Mapped[int | None] = mapped_column()  # None: the law's minimum
    start_minute: Mapped[int | None] = mapped_column()  # None: any half hour

    __table_args__ = (
        CheckConstraint("work_minutes > 0 AND work_minutes <= 720", name="work_minutes"),
        CheckConstraint("break_minutes BETWEEN 0 AND 180", name="break_minutes"),
        CheckConstraint("start_minute BETWEEN 0 AND 1439", name="start_minute"),
    )


class Roster(Model):
    """The published shifts of one queue for the days from `first_day` (the latest replaces it)."""

    __tablename__ = "rosters"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    queue: Mapped[str] = mapped_column(String(40))
    first_day: Mapped[date] = mapped_column()
    days: Mapped[int] = mapped_column()
    tz: Mapped[str] = mapped_column(String(60))
    required_slots: Mapped[int] = mapped_column()  # agent half-hours the plan asked for
    paid_slots: Mapped[int] = mapped_column()
    optimal: Mapped[bool] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    shifts: Mapped[list[RosteredShift]] = relationship(
        back_populates="roster", cascade="all, delete-orphan", order_by="RosteredShift.starts_at"
    )

    __table_args__ = (UniqueConstraint("queue", "first_day"),)


class RosteredShift(Model):
    """One shift of a roster; without an operator when nobody available could take it."""

    __tablename__ = "rostered_shifts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    roster_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("rosters.id", ondelete="CASCADE"), index=True
    )
    operator_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    break_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    break_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    work_minutes: Mapped[int] = mapped_column()

    roster: Mapped[Roster] = relationship(back_populates="shifts")
    operator: Mapped[User | None] = relationship()

    __table_args__ = (
        Index("ix_rostered_shifts_operator_id_starts_at", "operator_id", "starts_at"),
    )


ROSTER_BUILD_STATES = ("queued", "done", "failed")


class RosterBuild(Model):
    """A roster asked for from the week page and built by a job: what was asked, and what came of
    it (`outcome`: figures when done, what stood in the way when failed)."""

    __tablename__ = "roster_builds"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    queue: Mapped[str] = mapped_column(String(40))
    first_day: Mapped[date] = mapped_column()
    tz: Mapped[str] = mapped_column(String(60))
    team_ids: Mapped[list[str]] = mapped_column(JSON)
    pooled: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(12), default="queued")
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    requested_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("state IN ('queued', 'done', 'failed')", name="state"),
        Index("ix_roster_builds_queue_first_day", "queue", "first_day", "requested_at"),
    )


class ShopDemandDay(Model):
    """A shop's offered calls in a queue on one day (Asia/Tokyo), written as calls end: the
    shop's share of its queue, which a campaign of the shop raises."""

    __tablename__ = "shop_demand_days"

    shop_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True
    )
    queue: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    offered: Mapped[int] = mapped_column(default=0)

    __table_args__ = (Index("ix_shop_demand_days_queue_day", "queue", "day"),)


class Campaign(Model):
    """A day a shop or a supervisor expects more calls on a queue (a sale): the forecast of that
    day is multiplied, and the day's history is divided by it before it serves other forecasts."""

    __tablename__ = "campaigns"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    queue: Mapped[str] = mapped_column(String(40), index=True)
    day: Mapped[date] = mapped_column()
    multiplier: Mapped[float] = mapped_column()
    note: Mapped[str | None] = mapped_column(String(120))
    shop_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("multiplier > 0 AND multiplier <= 20", name="multiplier"),)


class Queue(Model):
    """A queue staff created: its key is what the carrier, routing, skills and history use and
    never changes; its name is what staff read on every page and may change at any time.

    A queue serves many shops, so no shop owns it. The shared queue always has a row.
    """

    __tablename__ = "queues"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    # The name as a reader compares it, kept by `_compared`: the database refuses a second queue
    # whose name differs only in width, case or spaces, however close together two are created.
    # Empty only on rows written by a release before this column.
    name_key: Mapped[str | None] = mapped_column(String(), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @validates("name")
    def _compared(self, _field: str, name: str) -> str:
        self.name_key = comparable(name)
        return name


def comparable(text: str) -> str:
    """A name as a reader compares it: full- and half-width alike, case and spaces aside."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


class ShopQueue(Model):
    """The queue a shop's calls wait in, set by staff; a shop without a row is in the shared queue.

    The workforce plans each queue, and routing gives its calls to operators skilled for it.
    """

    __tablename__ = "shop_queues"

    shop_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True
    )
    queue: Mapped[str] = mapped_column(String(40), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
