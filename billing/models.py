"""The rate card: prices with the date they apply from (a reference table: no shop owns it)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Model, UTCDateTime, new_id, utcnow


class RateCard(Model):
    __tablename__ = "rate_cards"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    weekday_day_yen_per_hour: Mapped[int] = mapped_column()
    weekday_night_yen_per_hour: Mapped[int] = mapped_column()
    weekend_holiday_yen_per_hour: Mapped[int] = mapped_column()
    phone_number_yen_per_month: Mapped[int] = mapped_column()
    fax_number_yen_per_month: Mapped[int] = mapped_column()
    monthly_minimum_yen: Mapped[int] = mapped_column()
    tax_rate_percent: Mapped[int] = mapped_column()
    issuer_name: Mapped[str] = mapped_column(String(120))
    issuer_registration_number: Mapped[str] = mapped_column(String(14))
    issuer_address: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
