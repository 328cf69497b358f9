"""Admins keep the rate card: each card applies from its date until the next one's."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_babel import gettext
from sqlalchemy import select

from billing.models import RateCard
from tenants.coverage.services import today_in_tokyo
from tenants.db import db, new_id
from tenants.models import User
from tenants.services import ValidationFailed, audit

YEN_FIELDS = (
    "weekday_day_yen_per_hour",
    "weekday_night_yen_per_hour",
    "weekend_holiday_yen_per_hour",
    "phone_number_yen_per_month",
    "fax_number_yen_per_month",
    "monthly_minimum_yen",
)
REGISTRATION = re.compile(r"^T\d{13}$")


def cards() -> list[RateCard]:
    return list(db.session.scalars(select(RateCard).order_by(RateCard.effective_from.desc())))


def add_card(values: dict[str, Any], *, actor: User | None, ip: str | None) -> RateCard:
    """A new card from a future date (or today); a card already in force is never changed."""
    effective = values.get("effective_from")
    if not isinstance(effective, date):
        raise ValidationFailed("effective_from", gettext("Enter a date."))
    if effective < today_in_tokyo():
        raise ValidationFailed("effective_from", gettext("A rate card cannot start in the past."))
    if db.session.scalar(select(RateCard.id).where(RateCard.effective_from == effective)):
        raise ValidationFailed("effective_from", gettext("A card already starts on this day."))
    amounts: dict[str, int] = {}
    for name in YEN_FIELDS:
        value = values.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10_000_000:
            raise ValidationFailed(name, gettext("Enter whole yen from 0 to 10,000,000."))
        amounts[name] = value
    tax = values.get("tax_rate_percent")
    if not isinstance(tax, int) or not 0 <= tax <= 100:
        raise ValidationFailed("tax_rate_percent", gettext("Enter a tax rate from 0 to 100 %."))
    registration = str(values.get("issuer_registration_number", "")).strip().upper()
    if not REGISTRATION.match(registration):
        raise ValidationFailed(
            "issuer_registration_number",
            gettext("A registration number is T followed by 13 digits, like T1234567890123."),
        )
    name = str(values.get("issuer_name", "")).strip()
    address = str(values.get("issuer_address", "")).strip()
    if not name or not address:
        raise ValidationFailed("issuer_name", gettext("Enter the issuer's name and address."))
    if len(name) > 120 or len(address) > 200:
        raise ValidationFailed(
            "issuer_name", gettext("Use at most %(count)d characters.", count=200)
        )
    card = RateCard(
        id=new_id(),
        effective_from=effective,
        tax_rate_percent=tax,
        issuer_name=name,
        issuer_registration_number=registration,
        issuer_address=address,
        **amounts,
    )
    db.session.add(card)
    audit(
        "rate_card.added",
        actor=actor,
        target=effective.isoformat(),
        ip=ip,
        detail={k: amounts[k] for k in YEN_FIELDS},
    )
    return card
