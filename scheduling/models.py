"""Teams of operators (staff tables: no shop owns them)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
