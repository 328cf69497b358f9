"""A shop's notification settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Model, ShopOwned, UTCDateTime, utcnow


class NotificationSettings(ShopOwned, Model):
    __tablename__ = "notification_settings"

    emails: Mapped[list[str]] = mapped_column(JSON, default=list)
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret: Mapped[str] = mapped_column(String(64))
    categories: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    digest_time: Mapped[str] = mapped_column(String(5), default="18:00", server_default="18:00")
    last_test_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_test_result: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The shop's own template of message e-mails (None: the default Japanese one).
    mail_subject: Mapped[str | None] = mapped_column(String(200))
    mail_body: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("shop_id"),)
