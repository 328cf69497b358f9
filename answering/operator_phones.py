"""Where routing rings an operator: the browser phone by default, or a phone number (a mobile or a
desk phone, dialled over the public network) or a SIP address (a desk phone or softphone on a PBX).

The carrier dials all three the same way (`<Dial>` with `<Client>`, `<Number>` or `<Sip>`), with
the same whisper, recording and leg callbacks, so routing, ring-out and call records do not change.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import phonenumbers
from flask_babel import gettext

from answering import routing
from answering.models import OperatorPhone
from tenants.db import db, utcnow
from tenants.models import User
from tenants.services import ValidationFailed, audit

KINDS = ("browser", "number", "sip")
# sip:user@host[:port][;transport=tls|tcp|udp] — a name the carrier can reach, nothing else.
SIP_ADDRESS = re.compile(
    r"^sip:[A-Za-z0-9._~+\-]{1,64}@(?=.{1,120}(?::|;|$))[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)+(?::\d{1,5})?(?:;transport=(?:tls|tcp|udp))?$"
)


@dataclass(frozen=True)
class Phone:
    kind: str  # browser, number or sip
    address: str  # the browser identity, an E.164 number or a SIP URI


def phone_of(operator_id: uuid.UUID) -> Phone:
    row = db.session.get(OperatorPhone, operator_id)
    if row is None:
        return Phone("browser", routing.identity(operator_id))
    return Phone(row.kind, row.address)


def normalised(kind: str, raw: str) -> str:
    """The address to store for `kind`, or ValidationFailed with a message for the operator."""
    raw = raw.strip()
    if kind == "number":
        try:
            parsed = phonenumbers.parse(raw, "JP")
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is None or not phonenumbers.is_valid_number(parsed):
            raise ValidationFailed(
                "address", gettext("Enter a phone number we can dial, such as 090-1234-5678.")
            )
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if kind == "sip":
        if not SIP_ADDRESS.match(raw):
            raise ValidationFailed(
                "address", gettext("Enter a SIP address such as sip:operator1@pbx.example.jp.")
            )
        return raw
    raise ValidationFailed("kind", gettext("Choose how your calls should ring."))


def set_phone(operator: User, kind: str, raw: str, *, actor: User, ip: str | None) -> Phone:
    """Ring `operator` from now on on the browser phone, a number or a SIP address."""
    row = db.session.get(OperatorPhone, operator.id)
    if kind == "browser":
        if row is not None:
            db.session.delete(row)
        phone = Phone("browser", routing.identity(operator.id))
    else:
        address = normalised(kind, raw)
        if row is None:
            row = OperatorPhone(operator_id=operator.id, kind=kind, address=address)
            db.session.add(row)
        row.kind, row.address, row.updated_at = kind, address, utcnow()
        phone = Phone(kind, address)
    audit(
        "operator.phone_changed",
        actor=actor,
        target=str(operator.id),
        ip=ip,
        detail={"kind": phone.kind},
    )
    return phone
