"""The number pool: add numbers, rent one to a shop (exactly one winner), release into quarantine."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import timedelta
from functools import cache
from typing import Any

import phonenumbers
from flask_babel import gettext
from sqlalchemy import Select, and_, bindparam, or_, select, update

from tenants.db import db, new_id, utcnow
from tenants.models import Shop, User
from tenants.numbers.models import NumberRental, PhoneNumber
from tenants.scoping import (
    Scope,
    assume_scope,
    get_for_shop,
    parse_id,
    set_scope,
    settings_of_found_shop,
)
from tenants.services import ValidationFailed, audit

QUARANTINE = timedelta(days=90)
MAX_NUMBERS_PER_SHOP = 5
_LINE_TYPES = {
    phonenumbers.PhoneNumberType.FIXED_LINE: "geographic",
    phonenumbers.PhoneNumberType.VOIP: "ip",
    phonenumbers.PhoneNumberType.TOLL_FREE: "toll_free",
}


class NumberTaken(Exception):
    """Someone else rented the number first."""


def parse_japanese_number(text: str) -> phonenumbers.PhoneNumber:
    """A Japanese fixed, 050 or 0120/0800 number; anything else is a clear error."""
    try:
        number = phonenumbers.parse(text.strip(), "JP")
    except phonenumbers.NumberParseException:
        raise ValidationFailed(
            "number", gettext("Enter a phone number like 03-1234-5678.")
        ) from None
    if number.country_code != 81 or not phonenumbers.is_valid_number(number):
        raise ValidationFailed("number", gettext("This is not a valid Japanese phone number."))
    if phonenumbers.number_type(number) not in _LINE_TYPES:
        raise ValidationFailed(
            "number", gettext("Only fixed-line, 050 and toll-free numbers can be rented.")
        )
    return number


# What the carrier sends as the caller when the number is withheld (非通知): a word, or one of
# the numbers that spell ANONYMOUS, UNAVAILABLE, RESTRICTED, BLOCKED and UNKNOWN on a keypad.
WITHHELD_PLACEHOLDERS = frozenset(
    ("+266696687", "+86282452253", "+7378742833", "+2562533", "+8656696")
)


def is_withheld(caller: str) -> bool:
    """True when the caller hid their number: no digits to show, nobody to recognise."""
    return caller in WITHHELD_PLACEHOLDERS or not any(ch.isdigit() for ch in caller)


def caller_label(caller: str) -> str:
    """A caller's number as people write it, or 「非通知」 when the caller withheld it."""
    return gettext("Withheld number") if is_withheld(caller) else national(caller)


def to_e164(text: str) -> str | None:
    """A number as people type it (`090-1234-5678`, `09012345678`, full-width digits, `+8190…`)
    in E.164 (`+819012345678`), as numbers are stored; None when it is no valid number."""
    try:
        number = phonenumbers.parse(unicodedata.normalize("NFKC", text).strip(), "JP")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def national(e164: str) -> str:
    """`+81345000001` → `03-4500-0001`; a foreign number in international format; else as given."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164  # "anonymous", a withheld number …
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 81
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(number, style))


def add_to_pool(
    text: str,
    *,
    kind: str,
    note: str = "",
    carrier_sid: str | None = None,
    actor: User | None = None,
    ip: str | None = None,
) -> PhoneNumber:
    """Add a number the service owns (bought through the carrier or elsewhere) to the pool."""
    if kind not in ("phone", "fax"):
        raise ValidationFailed("kind", gettext("Choose phone or fax."))
    number = parse_japanese_number(text)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if db.session.scalar(select(PhoneNumber.id).where(PhoneNumber.e164 == e164)) is not None:
        raise ValidationFailed("number", gettext("This number is already in the pool."))
    row = PhoneNumber(
        id=new_id(),
        e164=e164,
        kind=kind,
        line_type=_LINE_TYPES[phonenumbers.number_type(number)],
        status="available",
        note=note.strip()[:200],
        carrier_sid=carrier_sid,
    )
    db.session.add(row)
    audit("number.added", actor=actor, target=e164, ip=ip, detail={"kind": kind})
    return row


def _rentable() -> Any:
    now = utcnow()
    return and_(
        PhoneNumber.rented_by_shop_id.is_(None),
        or_(
            PhoneNumber.status == "available",
            and_(PhoneNumber.status == "quarantine", PhoneNumber.quarantine_until <= now),
        ),
    )


def available_numbers(
    kind: str | None = None, line_type: str | None = None, limit: int = 50
) -> list[PhoneNumber]:
    query = select(PhoneNumber).where(_rentable()).order_by(PhoneNumber.e164).limit(limit)
    if kind:
        query = query.where(PhoneNumber.kind == kind)
    if line_type:
        query = query.where(PhoneNumber.line_type == line_type)
    return list(db.session.scalars(query))


def pool(limit: int = 500) -> list[PhoneNumber]:
    return list(db.session.scalars(select(PhoneNumber).order_by(PhoneNumber.e164).limit(limit)))


def rentals(shop_id: uuid.UUID, *, current_only: bool = True) -> list[NumberRental]:
    query = select(NumberRental).where(NumberRental.shop_id == shop_id)
    if current_only:
        query = query.where(NumberRental.ended_at.is_(None))
    return list(db.session.scalars(query.order_by(NumberRental.started_at)))


def rent(shop: Shop, number_id: Any, *, actor: User | None, ip: str | None) -> NumberRental:
    """Rent a pool number to the shop. Of two shops racing for one number, exactly one wins.

    The claim is one conditional UPDATE: the database lets only one transaction change the row
    from unrented to rented; the other sees zero rows changed and gets `NumberTaken`.
    """
    if shop.status != "active":
        raise ValidationFailed(
            "number", gettext("Confirm your e-mail address first: then your shop can rent numbers.")
        )
    if len(rentals(shop.id)) >= MAX_NUMBERS_PER_SHOP:
        raise ValidationFailed(
            "number",
            gettext("A shop can rent at most %(count)d numbers.", count=MAX_NUMBERS_PER_SHOP),
        )
    wanted = parse_id(number_id)
    claimed = db.session.execute(
        update(PhoneNumber)
        .where(PhoneNumber.id == wanted, _rentable())
        .values(status="rented", rented_by_shop_id=shop.id, quarantine_until=None)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise NumberTaken()
    rental = NumberRental(id=new_id(), shop_id=shop.id, number_id=wanted, started_at=utcnow())
    db.session.add(rental)
    number = db.session.get(PhoneNumber, wanted)
    audit(
        "number.rented", actor=actor, shop_id=shop.id, target=number.e164 if number else None, ip=ip
    )
    return rental


def release(shop: Shop, rental_id: Any, *, actor: User | None, ip: str | None) -> NumberRental:
    """End the shop's rental; the number rests in quarantine for 90 days before anyone may rent it."""
    rental = get_for_shop(NumberRental, shop.id, rental_id)
    if rental.ended_at is not None:
        return rental
    now = utcnow()
    rental.ended_at = now
    db.session.execute(
        update(PhoneNumber)
        .where(PhoneNumber.id == rental.number_id, PhoneNumber.rented_by_shop_id == shop.id)
        .values(status="quarantine", rented_by_shop_id=None, quarantine_until=now + QUARANTINE)
        .execution_options(synchronize_session="fetch")
    )
    audit("number.released", actor=actor, shop_id=shop.id, target=rental.number.e164, ip=ip)
    return rental


def shop_and_setup_version(e164: str, *, then_scope: bool = False) -> tuple[uuid.UUID, int] | None:
    """The shop renting this number now and its `call_setup_version`, in one round trip; with
    `then_scope`, the session is then scoped to that shop (on PostgreSQL by the same statement)."""
    connection = db.session.connection()
    in_statement = then_scope and connection.dialect.name == "postgresql"
    row = connection.execute(_renting_shop(scoping=in_statement), {"e164": e164}).first()
    if row is None or row[0] is None:
        return None
    if then_scope:
        (assume_scope if in_statement else set_scope)(db.session, Scope(shop_id=row[0]))
    return row[0], row[1]


@cache
def _renting_shop(*, scoping: bool) -> Select[Any]:
    """Built once: every incoming call runs it, and building a statement costs more than running it."""
    numbers, shops = PhoneNumber.__table__.c, Shop.__table__.c
    query = (
        select(numbers.rented_by_shop_id, shops.call_setup_version)
        .join_from(PhoneNumber.__table__, Shop.__table__, shops.id == numbers.rented_by_shop_id)
        .where(numbers.e164 == bindparam("e164"), numbers.status == "rented")
    )
    if scoping:
        query = query.add_columns(*settings_of_found_shop(numbers.rented_by_shop_id))
    return query


def shop_for_number(e164: str) -> uuid.UUID | None:
    """The shop that rents this number now (for routing an incoming call), or None."""
    return db.session.scalar(
        select(PhoneNumber.rented_by_shop_id).where(
            PhoneNumber.e164 == e164, PhoneNumber.status == "rented"
        )
    )
