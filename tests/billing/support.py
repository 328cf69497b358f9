"""Arranging billing tests: shops that existed last month, and a rate card with the issuer."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from flask import Flask
from sqlalchemy import update

from billing.models import RateCard
from billing.runs import Period
from tenants.coverage.services import TOKYO, today_in_tokyo
from tenants.db import new_id
from tenants.models import Shop
from tests.conftest import system
from tests.factories import make_shop

ISSUER = "電話代行クラウド株式会社"
REGISTRATION = "T1234567890123"


def last_month() -> Period:
    return Period.before(today_in_tokyo())


def add_rate_card(app: Flask, since: date = date(2020, 1, 1)) -> None:
    with system(app) as session:
        session.add(
            RateCard(
                id=new_id(),
                effective_from=since,
                weekday_day_yen_per_hour=180,
                weekday_night_yen_per_hour=260,
                weekend_holiday_yen_per_hour=260,
                phone_number_yen_per_month=1000,
                fax_number_yen_per_month=1000,
                monthly_minimum_yen=30000,
                tax_rate_percent=10,
                issuer_name=ISSUER,
                issuer_registration_number=REGISTRATION,
                issuer_address="東京都千代田区丸の内1-1-1",
            )
        )


def old_shop(app: Flask, slug: str, since: date = date(2025, 1, 1)) -> dict[str, str]:
    """A shop (and its owner) created on `since`, so it was active for whole months since."""
    shop = make_shop(app, slug)
    with system(app) as session:
        session.execute(
            update(Shop)
            .where(Shop.id == uuid.UUID(shop["shop_id"]))
            .values(created_at=datetime(since.year, since.month, since.day, tzinfo=TOKYO))
        )
    return shop
