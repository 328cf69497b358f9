"""Shops and people for tests, made through the platform's own services."""

from __future__ import annotations

from flask import Flask

from scheduling.models import Queue
from tenants import services
from tenants.db import db
from tenants.models import ShopRole, StaffRole
from tests.conftest import system

PASSWORD = "correct-horse-battery"


def make_shop(app: Flask, slug: str, owner_email: str | None = None) -> dict[str, str]:
    """A shop with an owner; returns ids and e-mail as plain values (no ORM objects leave the context)."""
    with system(app):
        shop = services.create_shop(slug=slug, name=f"{slug} shop", name_kana="テストショップ")
        owner = services.create_user(
            email=owner_email or f"owner@{slug}.example.jp",
            display_name=f"{slug} owner",
            password=PASSWORD,
        )
        services.add_member(shop, owner, ShopRole.OWNER)
        return {
            "shop_id": str(shop.id),
            "slug": slug,
            "owner_id": str(owner.id),
            "email": owner.email,
        }


def make_staff(app: Flask, role: StaffRole, email: str | None = None) -> dict[str, str]:
    with system(app):
        user = services.create_user(
            email=email or f"{role.value}@answering.example.jp",
            display_name=role.value,
            password=PASSWORD,
            staff_role=role,
        )
        return {"user_id": str(user.id), "email": user.email}


def add_queues(*keys: str) -> None:
    """Queues named as their keys (skills name only queues that exist), in an open app context."""
    for key in keys:
        if db.session.get(Queue, key) is None:
            db.session.add(Queue(key=key, name=key))
    db.session.flush()  # set_skills looks the keys up with a query
