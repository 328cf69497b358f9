"""Admins' page of overdue shops: tell the owner, then suspend."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from billing import labels, overdue
from tenants.auth import current_account, staff_required
from tenants.coverage.services import today_in_tokyo
from tenants.db import db
from tenants.models import Shop, StaffRole
from tenants.services import ValidationFailed
from tenants.web import client_ip

bp = Blueprint("overdue", __name__, template_folder="templates")


@bp.get("/staff/billing/overdue")
@staff_required(StaffRole.ADMIN)
def page() -> str:
    return render_template(
        "billing/overdue.html", entries=overdue.overdue_shops(today_in_tokyo()), labels=labels
    )


def _shop(slug: str) -> Shop:
    shop = db.session.scalar(select(Shop).where(Shop.slug == slug))
    if shop is None:
        raise NotFound()
    return shop


@bp.post("/staff/billing/overdue/<slug>/notice")
@staff_required(StaffRole.ADMIN)
def notice(slug: str) -> Response:
    try:
        overdue.send_notice(_shop(slug), today_in_tokyo(), actor=current_account(), ip=client_ip())
    except ValidationFailed as failure:
        flash(failure.message, "error")
    else:
        flash(gettext("The owner was told the shop will be suspended."), "info")
    return redirect(url_for("overdue.page"))


@bp.post("/staff/billing/overdue/<slug>/suspend")
@staff_required(StaffRole.ADMIN)
def suspend(slug: str) -> Response:
    try:
        overdue.suspend(_shop(slug), today_in_tokyo(), actor=current_account(), ip=client_ip())
    except ValidationFailed as failure:
        flash(failure.message, "error")
    else:
        flash(gettext("The shop is suspended: calls hear the suspended message."), "info")
    return redirect(url_for("overdue.page"))
