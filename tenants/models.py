"""Shops (the tenants), the people who log in, their API tokens, the audit log and the job outbox."""

from __future__ import annotations

import enum
import hashlib
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Model, ShopOwned, UTCDateTime, new_id, utcnow


class StaffRole(enum.StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class ShopRole(enum.StrEnum):
    OWNER = "owner"
    MEMBER = "member"


class Shop(Model):
    """A customer business. The root of every shop-owned row; its own id is the tenant key."""

    __tablename__ = "shops"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_kana: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), default="active")
    #: Why a suspended shop is suspended: "non_payment" (lifted by itself once the overdue invoices
    #: are paid) or another reason an admin recorded (lifted only by an admin).
    suspension_reason: Mapped[str | None] = mapped_column(String(40))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Moved by the database's triggers whenever anything a caller hears changes (see the migration
    # `c5c32403ab80`); never written by the application.
    call_setup_version: Mapped[int] = mapped_column(BigInteger, server_default="0")

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'active', 'suspended', 'closed')", name="status"),
    )


class User(Model):
    """Anyone who logs in: a shop member (through memberships) or a staff user (through `staff_role`)."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    staff_role: Mapped[str | None] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(5), default="ja")
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column()
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[ShopMembership]] = relationship(back_populates="user")

    __table_args__ = (
        CheckConstraint(
            "staff_role IS NULL OR staff_role IN ('operator', 'supervisor', 'admin')",
            name="staff_role",
        ),
        CheckConstraint("locale IN ('ja', 'en')", name="locale"),
    )

    # Flask-Login's user protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # The session names the password too (a digest of its hash), so a password change ends
        # every other session.
        return f"{self.id}:{hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]}"

    @property
    def is_staff(self) -> bool:
        return self.staff_role is not None


class ShopMembership(ShopOwned, Model):
    """A user's role in one shop."""

    __tablename__ = "shop_memberships"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    shop: Mapped[Shop] = relationship()

    __table_args__ = (
        UniqueConstraint("shop_id", "user_id"),
        CheckConstraint("role IN ('owner', 'member')", name="role"),
        Index(None, "user_id"),
    )


class ApiToken(Model):
    """A bearer token for the JSON API, scoped to one shop or to its holder's staff role.

    A platform table: it is looked up by its hash before any shop is known.
    """

    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    shop_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    shop: Mapped[Shop | None] = relationship()


class AuditEvent(Model):
    """One security-relevant action: who, what, on which shop, from where."""

    __tablename__ = "audit_events"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(60))
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    shop_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    target: Mapped[str | None] = mapped_column(String(200))
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class OutboxJob(Model):
    """A job decided by a committed transaction, kept until it has run (DESIGN.md section 6)."""

    __tablename__ = "job_outbox"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    task: Mapped[str] = mapped_column(String(120))
    shop_id: Mapped[uuid.UUID | None] = mapped_column()
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("state IN ('pending', 'done', 'failed')", name="state"),
        Index(None, "state", "run_after"),
    )


class RecoveryCode(Model):
    """A one-time code that replaces the authenticator once (stored as a hash)."""

    __tablename__ = "recovery_codes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
