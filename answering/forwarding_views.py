"""The shop's "call this number now" forwarding check: the page, and the carrier's callbacks of the
test call."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from answering import forwarding, twiml
from answering.carrier_views import signed_params, webhook_limit, xml
from answering.models import ForwardingCheck
from tenants.auth import login_required, shop_of_account
from tenants.db import db, utcnow
from tenants.models import ShopRole
from tenants.numbers.services import national
from tenants.scoping import SYSTEM, Scope, parse_id, set_scope
from tenants.services import ValidationFailed
from tenants.webhook_limits import webhook_limited

bp = Blueprint("forwarding", __name__)
carrier_bp = Blueprint("carrier_forwarding", __name__, url_prefix="/carrier/twilio")


@bp.route("/shops/<slug>/numbers/forwarding-check", methods=["GET", "POST"])
@login_required
def check_page(slug: str) -> str | WerkzeugResponse | tuple[str, int]:
    membership = shop_of_account(slug, owner=request.method == "POST")
    error, status = None, 200
    if request.method == "POST":
        try:
            forwarding.start(membership.shop, request.form.get("number", "")[:40], utcnow())
        except ValidationFailed as failure:
            error, status = failure.message, 400
        else:
            flash(gettext("We are calling your number now; the result appears here."), "info")
            return redirect(url_for("forwarding.check_page", slug=slug))
    check = forwarding.latest(membership.shop_id)
    return render_template(
        "answering/forwarding_check.html",
        shop=membership.shop,
        membership=membership,
        can_edit=membership.role == ShopRole.OWNER,
        check=check,
        national=national,
        error=error,
        number=request.form.get("number", "") if error else "",
    ), status


def _check() -> ForwardingCheck | None:
    """The check a URL we handed out names, in its shop's scope."""
    set_scope(db.session, SYSTEM)
    found = db.session.scalar(
        select(ForwardingCheck).where(ForwardingCheck.id == parse_id(request.args.get("check")))
    )
    if found is not None:
        set_scope(db.session, Scope(shop_id=found.shop_id))
    return found


@carrier_bp.post("/forwarding-answered")
@webhook_limited(webhook_limit)
def answered() -> Response:
    """Someone (or a voicemail) picked up the shop's number: say who we are, and hang up."""
    signed_params()
    _check()
    return xml(twiml.forwarding_test())


@carrier_bp.post("/forwarding-status")
@webhook_limited(webhook_limit)
def ended() -> Response:
    params = signed_params()
    check = _check()
    if check is not None:
        forwarding.ended(check, params.get("CallStatus", ""))
    return Response(status=204)
