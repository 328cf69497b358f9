"""Call records (one per call a shop receives, completed by the carrier's callbacks in any order),
the messages operators file after a call, and their deliveries to the shop."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Model, ShopOwned, UTCDateTime, shop_foreign_key, utcnow

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
    # Routing: the operator the call is given to (kept after the call: who had it last; a call
    # handed back after a transfer may end with another operator than the one who answered it).
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
    # Filing after the call completes the record: what it was about, the script version the
    # operator had in front of them, and the after-call work it took (filing time minus the end).
    disposition: Mapped[str | None] = mapped_column(String(40))
    script_version: Mapped[int | None] = mapped_column()
    after_call_work_s: Mapped[int | None] = mapped_column()
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The console's call controls (each one also logged as a `CallControl`): the caller on hold
    # since when, the hold time so far, which dial of the operator is the live one (a resume
    # dials again), the operator's microphone, and the supervisor the call was transferred to.
    held_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hold_s: Mapped[int] = mapped_column(default=0, server_default="0")
    leg_round: Mapped[int] = mapped_column(default=1, server_default="1")
    muted: Mapped[bool] = mapped_column(default=False, server_default=false())
    transferred_to_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    transferred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A transfer nobody picked up hands the caller back: since when they wait for an operator
    # again (the one who transferred them, or the next from the queue, at their first place),
    # until one picks up. The first answer stays the call's answer in every figure.
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("shop_id", "call_sid"),
        CheckConstraint(
            "outcome IN (" + ", ".join(f"'{o}'" for o in OUTCOMES) + ")", name="outcome"
        ),
        Index(None, "shop_id", "arrived_at"),
    )


CONTROLS = (
    "hold",
    "resume",
    "mute",
    "unmute",
    "transfer",
    "transfer_failed",
    "hang_up",
    "returned",  # handed back to the operator who transferred the call (detail: their name)
    "requeued",  # handed back to the queue (detail: who did not pick up the hand-back, if anyone)
    "picked_up",  # an operator picked up the handed-back caller (detail: their name)
)


class CallControl(ShopOwned, Model):
    """One use of a call control on the console (who, what, when): the call's audit list."""

    __tablename__ = "call_controls"

    call_id: Mapped[uuid.UUID] = mapped_column()
    action: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    detail: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        shop_foreign_key("call_id", "calls", ondelete="CASCADE"),
        CheckConstraint("action IN (" + ", ".join(f"'{a}'" for a in CONTROLS) + ")", name="action"),
        Index(None, "shop_id", "call_id", "at"),
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


class Message(ShopOwned, Model):
    """What the operator took down for the shop after a call: stored first, then delivered."""

    __tablename__ = "messages"

    call_id: Mapped[uuid.UUID] = mapped_column()
    operator_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    caller_number: Mapped[str] = mapped_column(String(32))
    disposition: Mapped[str] = mapped_column(String(40))
    category: Mapped[str | None] = mapped_column(String(40))  # the shop's own (menu) category
    category_label: Mapped[str | None] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text, default="")
    # The shop's form as filled in: [{"key", "label", "value"}], labels kept as they were.
    fields: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    urgency: Mapped[str] = mapped_column(String(8), default="normal")
    urgent_because: Mapped[str | None] = mapped_column(String(200))
    script_version: Mapped[int | None] = mapped_column()
    callback_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    callback_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The operator calling back now (a claim lapses after a while, see answering.callback_tasks).
    callback_claimed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    callback_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    callback_outcome: Mapped[str | None] = mapped_column(String(16))
    callback_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    callback_done_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Everything searchable, folded (NFKC, katakana to hiragana, lower case) once when filed.
    search_text: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        UniqueConstraint("shop_id", "call_id"),  # one message per call: filing twice is refused
        shop_foreign_key("call_id", "calls", ondelete="CASCADE"),
        CheckConstraint("urgency IN ('normal', 'urgent')", name="urgency"),
        CheckConstraint(
            "callback_outcome IS NULL OR callback_outcome IN ('reached', 'no_answer', 'wrong_number')",
            name="callback_outcome",
        ),
        Index(None, "shop_id", "created_at"),
        Index(None, "callback_from"),
    )


class MessageNote(ShopOwned, Model):
    """A reply note the shop's people leave on a message (who called back, what was done)."""

    __tablename__ = "message_notes"

    message_id: Mapped[uuid.UUID] = mapped_column()
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        shop_foreign_key("message_id", "messages", ondelete="CASCADE"),
        Index(None, "shop_id", "message_id"),
    )


DELIVERY_CHANNELS = ("email", "webhook")
DELIVERY_STATES = ("pending", "delivered", "failed")


class Delivery(ShopOwned, Model):
    """One message to one channel (e-mail or webhook): due, tried with backoff, delivered or failed."""

    __tablename__ = "message_deliveries"

    message_id: Mapped[uuid.UUID] = mapped_column()
    channel: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    digest: Mapped[bool] = mapped_column(default=False)  # e-mail waits for the daily digest
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("shop_id", "message_id", "channel"),
        shop_foreign_key("message_id", "messages", ondelete="CASCADE"),
        CheckConstraint("channel IN ('email', 'webhook')", name="channel"),
        CheckConstraint("state IN ('pending', 'delivered', 'failed')", name="state"),
        Index(None, "state", "due_at"),
    )


class DeliveryAttempt(ShopOwned, Model):
    """Each try of a delivery, as the owner sees it in the delivery log."""

    __tablename__ = "delivery_attempts"

    delivery_id: Mapped[uuid.UUID] = mapped_column()
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ok: Mapped[bool] = mapped_column()
    detail: Mapped[str] = mapped_column(String(200))
    replay: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        shop_foreign_key("delivery_id", "message_deliveries", ondelete="CASCADE"),
        Index(None, "shop_id", "delivery_id"),
    )


class ForwardingCheck(ShopOwned, Model):
    """A test call to the shop's own published number: if it forwards to the number the shop rents
    from us, the call comes back to us, and the check says it arrived."""

    __tablename__ = "forwarding_checks"

    shop_number: Mapped[str] = mapped_column(String(20))  # E.164, the shop's own published number
    rented_number: Mapped[str] = mapped_column(String(20))  # E.164, where it should forward to
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="calling")
    outbound_sid: Mapped[str | None] = mapped_column(String(64))
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        CheckConstraint("status IN ('calling', 'arrived', 'not_arrived', 'failed')", name="status"),
        Index(None, "shop_id", "started_at"),
    )


class OperatorPhone(Model):
    """Where routing rings an operator: the browser phone (no row), a phone number or a SIP address.

    A staff table: no shop owns a row.
    """

    __tablename__ = "operator_phones"

    operator_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("kind IN ('number', 'sip')", name="kind"),)
