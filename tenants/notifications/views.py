"""Notification settings in the shop portal."""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from tenants.auth import login_required, shop_of_account
from tenants.flashes import flash_in
from tenants.models import ShopMembership
from tenants.notifications import mail_template, services
from tenants.services import ValidationFailed
from tenants.web import client_ip, limiter

bp = Blueprint("notifications", __name__, url_prefix="/shops/<slug>/notifications")

Page = str | Response | tuple[str, int]
# The template's part of the page: its messages are shown in it, and its form posts to an address
# ending in its anchor so that a refused or previewed template opens the page there.
MAIL = "message-mail"


def _render(
    membership: ShopMembership,
    error: str | None = None,
    status: int = 200,
    *,
    template: tuple[str, str] | None = None,
    template_error: str | None = None,
    preview: tuple[str, str] | None = None,
) -> Page:
    settings = services.settings_for(membership.shop)
    return render_template(
        "notifications/settings.html",
        shop=membership.shop,
        membership=membership,
        settings=settings,
        categories=services.CATEGORIES,
        modes=services.MODES,
        error=error,
        template=template or services.message_template(settings),
        own_template=not services.uses_default_template(settings),
        placeholders=mail_template.PLACEHOLDERS,
        template_error=template_error,
        preview=preview,
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
            actor=membership.user,
        )
    except ValidationFailed as failure:
        return _render(membership, failure.message, 400)
    flash(gettext("Notification settings saved."), "info")
    return redirect(url_for("notifications.page", slug=slug))


@bp.post("/template")
@login_required
def template(slug: str) -> Page:
    """The message e-mail's subject and body: preview them with a made-up message, save them, or
    go back to the default. A template with a mistake is shown again with what is wrong."""
    membership = shop_of_account(slug, owner=True)
    shop = membership.shop
    action = request.form.get("action", "save")
    if action == "default":
        if request.form.get("confirm") != "yes":  # the shop's own text is dropped for good
            flash_in(
                MAIL,
                gettext("Tick the box to confirm: your own subject and text will be replaced."),
                "error",
            )
        else:
            services.reset_template(shop, client_ip(), actor=membership.user)
            flash_in(MAIL, gettext("The message e-mail is back to the default template."))
        return redirect(url_for("notifications.page", slug=slug, _anchor=MAIL))
    given = (request.form.get("subject", ""), request.form.get("body", ""))
    try:
        subject, body = services.check_template(*given)
    except mail_template.TemplateInvalid as invalid:
        return _render(membership, template=given, template_error=invalid.message, status=400)
    if action == "preview":
        values = services.sample_values(shop)
        shown = (
            mail_template.render(subject, values, one_line=True),
            mail_template.render(body, values),
        )
        return _render(membership, template=(subject, body), preview=shown)
    services.save_template(shop, subject, body, client_ip(), actor=membership.user)
    flash_in(MAIL, gettext("Message e-mail template saved."))
    return redirect(url_for("notifications.page", slug=slug, _anchor=MAIL))


@bp.post("/secret")
@login_required
def rotate(slug: str) -> Response:
    membership = shop_of_account(slug, owner=True)
    if request.form.get("confirm") != "yes":  # the shop's receiving server breaks until updated
        flash(gettext("Tick the box to confirm: the old secret stops working at once."), "error")
        return redirect(url_for("notifications.page", slug=slug))
    services.rotate_secret(membership.shop, client_ip(), actor=membership.user)
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
