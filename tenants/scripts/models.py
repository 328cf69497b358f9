"""A shop's script: one editable draft, and immutable numbered versions once published."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Model, ShopOwned, UTCDateTime, utcnow


class ScriptDraft(ShopOwned, Model):
    """The script being edited; `content` follows `tenants.scripts.content.ScriptSchema`."""

    __tablename__ = "script_drafts"

    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("shop_id"),)


class ScriptVersion(ShopOwned, Model):
    """A published script; never changed, so a call can record exactly what its operator saw."""

    __tablename__ = "script_versions"

    number: Mapped[int] = mapped_column()
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    __table_args__ = (UniqueConstraint("shop_id", "number"),)
