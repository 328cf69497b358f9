"""Call records: one per call a shop receives, completed by the carrier's callbacks in any order."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Model, ShopOwned, UTCDateTime, utcnow

OUTCOMES = (
    "in_progress",
    "answered",
    "abandoned",
    "short_abandon",
    "callback",
    "after_hours_message",
    "after_hours",
    "closed",
    "unknown_number",
    "failed",
    "menu_hangup",
)


class Call(ShopOwned, Model):
    __tablename__ = "calls"

    call_sid: Mapped[str] = mapped_column(String(64))
    from_number: Mapped[str] = mapped_column(String(32))
    to_number: Mapped[str] = mapped_column(String(32))
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    in_coverage: Mapped[bool] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(24), default="in_progress")
    carrier_status: Mapped[str] = mapped_column(String(16), default="ringing")
    duration_s: Mapped[int | None] = mapped_column()
    recording_sid: Mapped[str | None] = mapped_column(String(64))
    recording_url: Mapped[str | None] = mapped_column(String(500))
    recording_duration_s: Mapped[int | None] = mapped_column()
    menu_choice: Mapped[str | None] = mapped_column(String(60))
    menu_category: Mapped[str | None] = mapped_column(String(40))
    recording_key: Mapped[str | None] = mapped_column(String(200))
    recording_error: Mapped[str | None] = mapped_column(String(200))
    recording_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    queue: Mapped[str | None] = mapped_column(String(40))
    demand_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    demand_record: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Routing: the operator the call was given to (kept after the call: who answered it).
    operator_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ring_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # True while the answer time is our estimate from the dial's outcome, until the operator's
    # leg reports the exact time.
    answer_estimated: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The caller chose to be called back (their place kept) instead of waiting on the line.
    callback_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    direction: Mapped[str] = mapped_column(String(10), default="inbound", server_default="inbound")

    __table_args__ = (
        UniqueConstraint("shop_id", "call_sid"),
        CheckConstraint(
            "outcome IN (" + ", ".join(f"'{o}'" for o in OUTCOMES) + ")", name="outcome"
        ),
        Index(None, "shop_id", "arrived_at"),
    )


class CallIndex(Model):
    """Which shop a carrier call belongs to: callbacks name only the `CallSid`.

    A platform table, read before any shop is known (like the number pool).
    """

    __tablename__ = "call_index"

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    shop_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Fax(ShopOwned, Model):
    """An inbound fax: announced by the carrier, fetched by a job from the carrier's media host."""

    __tablename__ = "faxes"

    media_url: Mapped[str] = mapped_column(String(500))
    from_number: Mapped[str] = mapped_column(String(32))
    to_number: Mapped[str] = mapped_column(String(32))
    pages: Mapped[int | None] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    storage_key: Mapped[str | None] = mapped_column(String(200))
    size_bytes: Mapped[int | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("shop_id", "media_url"),
        CheckConstraint("status IN ('pending', 'stored', 'failed')", name="status"),
    )


class CallbackRequest(ShopOwned, Model):
    """A caller who pressed a key to be called back keeps their place in the queue: when their
    turn comes (and the shop is covered), an operator is reserved and the carrier dials them."""

    __tablename__ = "callback_requests"

    call_sid: Mapped[str] = mapped_column(String(64))
    caller: Mapped[str] = mapped_column(String(32))
    dialled: Mapped[str] = mapped_column(
        String(32)
    )  # the shop's number: the callback comes from it
    place_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when they joined the queue
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="waiting")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    operator_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    outbound_sid: Mapped[str | None] = mapped_column(String(64))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("shop_id", "call_sid"),
        CheckConstraint("status IN ('waiting', 'dialling', 'connected', 'failed')", name="status"),
        Index("ix_callback_requests_status", "status", "place_at"),
    )
