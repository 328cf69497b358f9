"""The shop's account page: export everything, close the account."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from tenants import closing
from tenants.auth import current_account, login_required, shop_of_account
from tenants.services import ValidationFailed
from tenants.web import client_ip, limiter

bp = Blueprint("shop_account", __name__, url_prefix="/shops/<slug>/account")

Page = str | Response | tuple[str, int]


@bp.get("/")
@login_required
def page(slug: str) -> Page:
    membership = shop_of_account(slug, owner=True)
    return render_template(
        "closing/account.html",
        shop=membership.shop,
        membership=membership,
        deletion=closing.deletion_date(membership.shop),
        error=None,
    )


@bp.post("/export")
@login_required
@limiter.limit("10 per hour")
def export(slug: str) -> Response:
    membership = shop_of_account(slug, owner=True)
    archive = closing.export_zip(membership.shop, current_account(), client_ip())
    return Response(
        archive,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{membership.shop.slug}-export.zip"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/close")
@login_required
def close(slug: str) -> Page:
    membership = shop_of_account(slug, owner=True)
    try:
        closing.close_shop(
            membership.shop,
            current_account(),
            confirmation=request.form.get("confirmation", ""),
            ip=client_ip(),
        )
    except ValidationFailed as failure:
        return render_template(
            "closing/account.html",
            shop=membership.shop,
            membership=membership,
            deletion=None,
            error=failure.message,
        ), 400
    flash(gettext("Your account is closed. We no longer answer your calls."), "info")
    return redirect(url_for("shop_account.page", slug=slug))
