"""FAQ hits: an FAQ entry or product an operator opened from the console's search during a call."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Model, ShopOwned, UTCDateTime, shop_foreign_key, utcnow

HIT_KINDS = ("faq", "product")


class FaqHit(ShopOwned, Model):
    """One call's look at one entry of the shop's script, counted in the shop's monthly "most
    asked". Opening the entry again in the same call changes nothing (one row per call and entry).

    `label` keeps the question (or the product's name) as the operator saw it, so the report
    reads it even after the script changes.
    """

    __tablename__ = "faq_hits"

    call_id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(String(8))
    entry_id: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(300))
    operator_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    hit_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("shop_id", "call_id", "kind", "entry_id"),
        shop_foreign_key("call_id", "calls", ondelete="CASCADE"),
        CheckConstraint("kind IN ('faq', 'product')", name="kind"),
        Index(None, "shop_id", "hit_at"),
    )
