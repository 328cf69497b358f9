"""The "call this number now" check of a shop's call forwarding: we dial the shop's own published
number from the number it rents from us; if that number forwards to us, the call comes back to our
voice webhook from and to the rented number, and the check is marked as arrived."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

import phonenumbers
from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from answering.models import ForwardingCheck
from answering.providers import CarrierUnavailable
from tenants.config import settings_from
from tenants.db import db, new_id
from tenants.jobs import enqueue_after_commit, task
from tenants.models import Shop
from tenants.numbers import services as numbers
from tenants.scoping import get_for_shop
from tenants.services import ValidationFailed

log = logging.getLogger(__name__)
WINDOW = timedelta(minutes=3)  # a forwarded call later than this is not the check's


def latest(shop_id: uuid.UUID) -> ForwardingCheck | None:
    return db.session.scalar(
        select(ForwardingCheck)
        .where(ForwardingCheck.shop_id == shop_id)
        .order_by(ForwardingCheck.started_at.desc())
        .limit(1)
    )


def start(shop: Shop, raw_number: str, now: datetime) -> ForwardingCheck:
    """Validate the shop's number and place the test call after commit."""
    try:
        parsed = phonenumbers.parse(raw_number.strip(), "JP")
    except phonenumbers.NumberParseException:
        raise ValidationFailed(
            "number", gettext("Enter a phone number like 03-1234-5678.")
        ) from None
    if parsed.country_code != 81 or not phonenumbers.is_valid_number(parsed):
        raise ValidationFailed("number", gettext("This is not a valid Japanese phone number."))
    shop_number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    rented = [r.number.e164 for r in numbers.rentals(shop.id) if r.number.kind == "phone"]
    if not rented:
        raise ValidationFailed("number", gettext("Rent a phone number first: it is what we check."))
    if shop_number in rented:
        raise ValidationFailed(
            "number",
            gettext("This is the number you rent from us; enter your own published number."),
        )
    running = latest(shop.id)
    if running is not None and running.status == "calling" and now - running.started_at < WINDOW:
        raise ValidationFailed("number", gettext("A test call is under way; wait for its result."))
    check = ForwardingCheck(
        id=new_id(),
        shop_id=shop.id,
        shop_number=shop_number,
        rented_number=rented[0],
        started_at=now,
        status="calling",
    )
    db.session.add(check)
    enqueue_after_commit(place_test_call, shop_id=shop.id, check_id=str(check.id))
    return check


@task
def place_test_call(*, shop_id: uuid.UUID, check_id: str) -> None:
    from answering.carrier_views import telephony

    check = get_for_shop(ForwardingCheck, shop_id, check_id)
    if check.status != "calling" or check.outbound_sid:
        return
    base = settings_from(current_app.config).public_base_url + "/carrier/twilio"
    try:
        check.outbound_sid = telephony(current_app).place_call(
            to=check.shop_number,
            from_=check.rented_number,
            url=f"{base}/forwarding-answered?check={check.id}",
            status_callback=f"{base}/forwarding-status?check={check.id}",
        )
    except CarrierUnavailable as error:
        log.warning("forwarding check not placed: %s", error, extra={"check": str(check.id)})
        check.status = "failed"
        check.error = gettext("The telephone line is not available right now; try again later.")[
            :200
        ]


def arrived(shop_id: uuid.UUID, caller: str, dialled: str, now: datetime) -> bool:
    """An incoming call from the rented number to itself: the check's call, forwarded back."""
    if not caller or caller != dialled:
        return False
    check = db.session.scalar(
        select(ForwardingCheck)
        .where(
            ForwardingCheck.shop_id == shop_id,
            ForwardingCheck.rented_number == dialled,
            ForwardingCheck.status.in_(("calling", "not_arrived")),
            ForwardingCheck.started_at > now - WINDOW,
        )
        .order_by(ForwardingCheck.started_at.desc())
        .limit(1)
    )
    if check is None:
        return False
    check.status, check.arrived_at = "arrived", now
    return True


def ended(check: ForwardingCheck, status: str) -> None:
    """The test call is over; if it never came back to us, the forwarding is not set up."""
    if check.status == "calling" and status in (
        "completed",
        "busy",
        "failed",
        "no-answer",
        "canceled",
    ):
        check.status = "not_arrived"
