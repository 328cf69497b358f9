"""Stored coverage: each save a new version with an effective date; closures; emergency closures."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Model, ShopOwned, UTCDateTime, utcnow


class CoverageVersion(ShopOwned, Model):
    """The weekly hours in force from `effective_from` until the next version's date.

    `week` maps weekday numbers ("0" = Monday) to `[start, end]` minute pairs (see `schedule`).
    """

    __tablename__ = "coverage_versions"

    effective_from: Mapped[date] = mapped_column(Date)
    week: Mapped[dict[str, Any]] = mapped_column(JSON)
    holiday_mode: Mapped[str] = mapped_column(String(12))
    holiday_bands: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    __table_args__ = (
        CheckConstraint("holiday_mode IN ('closed', 'bands', 'as_weekday')", name="holiday_mode"),
        Index(None, "shop_id", "effective_from"),
    )


class CoverageClosure(ShopOwned, Model):
    """Closed on every day from `starts_on` to `ends_on`; `every_year` repeats it (年末年始, お盆)."""

    __tablename__ = "coverage_closures"

    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    every_year: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ends_after_start"),)


class EmergencyClosure(ShopOwned, Model):
    """臨時休業: callers hear `message` until it is ended."""

    __tablename__ = "emergency_closures"

    message: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
