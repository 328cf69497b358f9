"""Buying numbers into the pool through the carrier: Japanese local (by area code) or toll-free,
each pointed at our webhooks and added to the pool with the carrier's sid."""

from __future__ import annotations

import re

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from answering import twiml
from answering.providers import CarrierUnavailable
from tenants.auth import current_account, staff_required
from tenants.config import settings_from
from tenants.models import StaffRole, User
from tenants.numbers import services as numbers
from tenants.services import ValidationFailed
from tenants.web import client_ip

AREA = re.compile(r"^0[1-9][0-9]{0,3}$")
bp = Blueprint("number_buying", __name__)


def buy(
    *, kind: str, toll_free: bool, area: str, count: int, actor: User | None, ip: str | None
) -> list[str]:
    """Buy `count` numbers and add them to the pool; returns them in national format."""
    from answering.carrier_views import telephony

    if kind not in ("phone", "fax"):
        raise ValidationFailed("kind", gettext("Choose phone or fax."))
    if not 1 <= count <= 20:
        raise ValidationFailed("count", gettext("Buy from 1 to 20 numbers at a time."))
    if area and (toll_free or not AREA.match(area)):
        raise ValidationFailed(
            "area", gettext("An area code is like 03 or 06 (not for toll-free).")
        )
    base = settings_from(current_app.config).public_base_url
    voice = f"{base}/carrier/fax" if kind == "fax" else f"{base}/carrier/twilio/voice"
    bought = []
    for _ in range(count):
        e164, sid = telephony(current_app).buy_number(
            toll_free=toll_free,
            contains="+81" + area[1:] if area else "",
            # the carrier retries a failed webhook (a restart, a 503) as it does our TwiML's URLs
            voice_url=voice + twiml.RETRY,
            status_callback=f"{base}/carrier/twilio/status" + twiml.RETRY,
        )
        row = numbers.add_to_pool(
            e164,
            kind=kind,
            note=gettext("Bought through the carrier"),
            carrier_sid=sid,
            actor=actor,
            ip=ip,
        )
        bought.append(numbers.national(row.e164))
    return bought


@bp.post("/staff/numbers/buy")
@staff_required(StaffRole.ADMIN)
def buy_page() -> Response:
    try:
        count = int(request.form.get("count", "1"))
    except ValueError:
        count = 0
    try:
        bought = buy(
            kind=request.form.get("kind", "phone"),
            toll_free=request.form.get("line") == "toll_free",
            area=request.form.get("area", "").strip(),
            count=count,
            actor=current_account(),
            ip=client_ip(),
        )
    except ValidationFailed as failure:
        flash(failure.message, "error")
    except CarrierUnavailable as error:
        flash(gettext("The carrier refused: %(reason)s", reason=str(error)), "error")
    else:
        flash(
            gettext("Bought and added to the pool: %(numbers)s", numbers=", ".join(bought)), "info"
        )
    return redirect(url_for("numbers.pool"))
