"""What a shop tells us about itself for contact and for qualified invoices (適格請求書)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Model, ShopOwned, UTCDateTime, utcnow


class ShopProfile(ShopOwned, Model):
    __tablename__ = "shop_profiles"

    contact_phone: Mapped[str] = mapped_column(String(20))
    legal_name: Mapped[str] = mapped_column(String(120))
    postal_code: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(200))
    registration_number: Mapped[str | None] = mapped_column(String(14))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
