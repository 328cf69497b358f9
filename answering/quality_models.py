"""Quality review: the weekly sample size supervisors set, and one review per sampled call."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Model, ShopOwned, UTCDateTime, new_id, shop_foreign_key, utcnow

REVIEW_STATUSES = ("to_review", "reviewed")


class QaPlan(Model):
    """How many answered calls of each operator the weekly sample takes; the latest row holds.

    A staff table: the size is one rule for every operator and every shop.
    """

    __tablename__ = "qa_plans"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    sample_size: Mapped[int] = mapped_column()
    set_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("sample_size BETWEEN 0 AND 100", name="sample_size"),)


class QaReview(ShopOwned, Model):
    """A sampled call to review, then its scorecard: each item with its weight and whether it
    passed (`items`), the score in per cent, whether a critical item failed, coaching notes."""

    __tablename__ = "qa_reviews"

    call_id: Mapped[uuid.UUID] = mapped_column()
    operator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column()
    sampled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    script_version: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(12), default="to_review")
    items: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    score: Mapped[float | None] = mapped_column()
    critical_failed: Mapped[bool] = mapped_column(default=False)
    coaching_notes: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("shop_id", "call_id"),
        shop_foreign_key("call_id", "calls", ondelete="CASCADE"),
        CheckConstraint("status IN ('to_review', 'reviewed')", name="status"),
        Index(None, "operator_id", "week_start"),
    )
