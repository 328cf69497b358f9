"""Day rollups of call records: the report's sums per shop, Tokyo day and queue, so a month of
every shop reads a few thousand rows instead of every call."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Model, ShopOwned, UTCDateTime, utcnow


class CallDayRollup(ShopOwned, Model):
    """The `Figures` of one shop's calls that entered one queue on one day (Asia/Tokyo), counted
    with the service-level threshold in `sl_threshold_s`."""

    __tablename__ = "call_day_rollups"

    day: Mapped[date] = mapped_column()
    queue: Mapped[str] = mapped_column(String(40))
    sl_threshold_s: Mapped[int] = mapped_column()
    offered: Mapped[int] = mapped_column()
    answered: Mapped[int] = mapped_column()
    abandoned: Mapped[int] = mapped_column()
    short_abandoned: Mapped[int] = mapped_column()
    callbacks: Mapped[int] = mapped_column()
    within_sl: Mapped[int] = mapped_column()
    wait_s: Mapped[float] = mapped_column()
    waits: Mapped[int] = mapped_column()
    handle_s: Mapped[float] = mapped_column()
    handles: Mapped[int] = mapped_column()

    __table_args__ = (
        UniqueConstraint("shop_id", "day", "queue"),
        Index(None, "day"),
    )


class RollupState(Model):
    """Which days the rollups hold, whole and current: [rolled_from, rolled_until).

    One row (id 1) for the platform: the rollup job covers every shop at once.
    """

    __tablename__ = "call_rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    rolled_from: Mapped[date] = mapped_column()
    rolled_until: Mapped[date] = mapped_column()
    sl_threshold_s: Mapped[int] = mapped_column()
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class CallRollupMark(ShopOwned, Model):
    """A change to one of the shop's call records of `day` (Asia/Tokyo) that the day rollup has
    not counted yet: reports read that shop's day from the call records until the rollup job
    recounts it and removes the marks it read. One row per change (never updated), so a change
    that lands while the job runs keeps its own mark."""

    __tablename__ = "call_rollup_marks"

    day: Mapped[date] = mapped_column()
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index(None, "day"),)
