"""An operator chooses where their calls ring: the browser phone, a phone number or a SIP address."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from answering import operator_phones
from tenants.auth import current_account, staff_required
from tenants.models import StaffRole
from tenants.services import ValidationFailed
from tenants.web import client_ip

bp = Blueprint("operator_phone", __name__)


@bp.route("/console/phone", methods=["GET", "POST"])
@staff_required(StaffRole.OPERATOR)
def page() -> str | Response | tuple[str, int]:
    me = current_account()
    if request.method == "POST":
        kind = request.form.get("kind", "")
        raw = request.form.get(f"address_{kind}", "")[:200]
        try:
            operator_phones.set_phone(me, kind, raw, actor=me, ip=client_ip())
        except ValidationFailed as refused:
            phone = operator_phones.Phone(kind, raw)
            errors = {refused.field: refused.message}
            return render_template("answering/phone.html", phone=phone, errors=errors), 400
        flash(gettext("Your calls will ring there from the next call on."), "info")
        return redirect(url_for("operator_phone.page"))
    phone = operator_phones.phone_of(me.id)
    return render_template("answering/phone.html", phone=phone, errors={})
