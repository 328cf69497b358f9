"""Quality review: the weekly sample size supervisors set, and one review per sampled call."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
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


class QaCriterion(Model):
    """A shared scorecard item supervisors manage: its name, weight and whether failing it fails
    the call. A staff table: one scorecard for every shop.

    A retired item leaves the scorecard of calls still to review; reviewed calls keep the items,
    names and weights they were scored with (`QaReview.items`), so no edit here moves a past score.
    """

    __tablename__ = "qa_criteria"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    weight: Mapped[int] = mapped_column()
    critical: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column()
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    __table_args__ = (
        CheckConstraint("weight BETWEEN 1 AND 100", name="weight"),
        # names are unique among the items in use (a retired name may come back)
        Index(
            "uq_qa_criteria_active_label",
            "label",
            unique=True,
            postgresql_where=text("retired_at IS NULL"),
            sqlite_where=text("retired_at IS NULL"),
        ),
    )


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
