"""Notification settings in the shop portal."""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from tenants.auth import login_required, shop_of_account
from tenants.models import ShopMembership
from tenants.notifications import services
from tenants.services import ValidationFailed
from tenants.web import client_ip, limiter

bp = Blueprint("notifications", __name__, url_prefix="/shops/<slug>/notifications")

Page = str | Response | tuple[str, int]


def _render(membership: ShopMembership, error: str | None = None, status: int = 200) -> Page:
    return render_template(
        "notifications/settings.html",
        shop=membership.shop,
        membership=membership,
        settings=services.settings_for(membership.shop),
        categories=services.CATEGORIES,
        modes=services.MODES,
        error=error,
    ), status


@bp.get("/")
@login_required
def page(slug: str) -> Page:
    return _render(shop_of_account(slug, owner=True))


@bp.post("/")
@login_required
def save(slug: str) -> Page:
    membership = shop_of_account(slug, owner=True)
    emails = [e for e in re.split(r"[\s,、]+", request.form.get("emails", "")) if e]
    categories = {c: request.form.get(f"mode_{c}", "instant") for c in services.CATEGORIES}
    try:
        services.update(
            membership.shop,
            emails=emails,
            webhook_url=request.form.get("webhook_url", ""),
            categories=categories,
            digest_time=request.form.get("digest_time", "18:00"),
            ip=client_ip(),
        )
    except ValidationFailed as failure:
        return _render(membership, failure.message, 400)
    flash(gettext("Notification settings saved."), "info")
    return redirect(url_for("notifications.page", slug=slug))


@bp.post("/secret")
@login_required
def rotate(slug: str) -> Response:
    membership = shop_of_account(slug, owner=True)
    services.rotate_secret(membership.shop, client_ip())
    flash(gettext("A new signing secret is in force; update your server."), "info")
    return redirect(url_for("notifications.page", slug=slug))


@bp.post("/test")
@login_required
@limiter.limit("10 per hour")
def test(slug: str) -> Response:
    membership = shop_of_account(slug, owner=True)
    services.request_test(membership.shop)
    flash(gettext("Test sent. The result appears below."), "info")
    return redirect(url_for("notifications.page", slug=slug))
