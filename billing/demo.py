"""The demo's rate card: the default prices and a (fictitious) issuer, so that the demo can issue
qualified invoices from its first day."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from billing.models import RateCard
from billing.pricing import DEFAULT_RATES
from tenants.coverage.services import today_in_tokyo
from tenants.db import db, new_id

ISSUER = ("電話代行クラウド株式会社（デモ）", "T0000000000000", "東京都千代田区丸の内一丁目1番1号")


def add_demo_rate_card(sender: Any, **_: Any) -> None:
    if db.session.scalar(select(RateCard.id).limit(1)) is not None:
        return
    name, registration, address = ISSUER
    db.session.add(
        RateCard(
            id=new_id(),
            effective_from=date(today_in_tokyo().year - 1, 1, 1),
            weekday_day_yen_per_hour=DEFAULT_RATES.weekday_day,
            weekday_night_yen_per_hour=DEFAULT_RATES.weekday_night,
            weekend_holiday_yen_per_hour=DEFAULT_RATES.weekend_holiday,
            phone_number_yen_per_month=DEFAULT_RATES.phone_number,
            fax_number_yen_per_month=DEFAULT_RATES.fax_number,
            monthly_minimum_yen=DEFAULT_RATES.monthly_minimum,
            tax_rate_percent=DEFAULT_RATES.tax_rate_percent,
            issuer_name=name,
            issuer_registration_number=registration,
            issuer_address=address,
        )
    )
