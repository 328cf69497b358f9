"""The pool of numbers the service owns, and each shop's rentals of them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Model, ShopOwned, UTCDateTime, new_id, utcnow


class PhoneNumber(Model):
    """A number in the pool. A platform table: an incoming call finds its shop here by `e164`.

    `rented_by_shop_id` is the current renter; the conditional update in `rent` makes it the
    single source of truth when two owners race for the same number.
    """

    __tablename__ = "phone_numbers"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    e164: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    line_type: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="available")
    rented_by_shop_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("shops.id", ondelete="SET NULL"), index=True
    )
    quarantine_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    carrier_sid: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(200), default="")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("kind IN ('phone', 'fax')", name="kind"),
        CheckConstraint("line_type IN ('geographic', 'ip', 'toll_free')", name="line_type"),
        CheckConstraint(
            "status IN ('available', 'rented', 'quarantine', 'retired')", name="status"
        ),
        CheckConstraint("(status = 'rented') = (rented_by_shop_id IS NOT NULL)", name="renter"),
        Index(None, "status", "kind"),
    )


class NumberRental(ShopOwned, Model):
    """One period during which a shop rented a number (billing charges by the days rented)."""

    __tablename__ = "number_rentals"

    number_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("phone_numbers.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    number: Mapped[PhoneNumber] = relationship()

    __table_args__ = (Index(None, "number_id"),)
