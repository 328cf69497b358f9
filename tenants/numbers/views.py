"""Numbers in the shop portal (rent, release, forwarding help) and the admin's pool page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from tenants.auth import (
    current_account,
    login_required,
    shop_of_account,
    staff_required,
)
from tenants.models import ShopMembership, ShopRole, StaffRole
from tenants.numbers import services
from tenants.services import ValidationFailed
from tenants.web import client_ip

bp = Blueprint("numbers", __name__)

Page = str | Response | tuple[str, int]
KINDS = ("phone", "fax")
LINE_TYPES = ("geographic", "ip", "toll_free")


def _render_shop(membership: ShopMembership, error: str | None = None, status: int = 200) -> Page:
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    line_type = request.args.get("type") if request.args.get("type") in LINE_TYPES else None
    return render_template(
        "numbers/shop.html",
        shop=membership.shop,
        membership=membership,
        can_edit=membership.role == ShopRole.OWNER,
        rentals=services.rentals(membership.shop_id),
        available=services.available_numbers(kind, line_type),
        kind=kind,
        line_type=line_type,
        national=services.national,
        error=error,
    ), status


@bp.get("/shops/<slug>/numbers/")
@login_required
def shop_numbers(slug: str) -> Page:
    return _render_shop(shop_of_account(slug))


@bp.post("/shops/<slug>/numbers/rent")
@login_required
def rent(slug: str) -> Page:
    membership = shop_of_account(slug, owner=True)
    try:
        rental = services.rent(
            membership.shop, request.form.get("number_id"), actor=current_account(), ip=client_ip()
        )
    except services.NumberTaken:
        return _render_shop(
            membership,
            gettext("Another shop rented this number a moment ago. Please choose another one."),
            409,
        )
    except ValidationFailed as failure:
        return _render_shop(membership, failure.message, 400)
    flash(
        gettext(
            "%(number)s is yours: calls to it now reach us for your shop.",
            number=services.national(rental.number.e164),
        ),
        "info",
    )
    return redirect(url_for("numbers.shop_numbers", slug=slug))


@bp.post("/shops/<slug>/numbers/<rental_id>/release")
@login_required
def release(slug: str, rental_id: str) -> Response:
    membership = shop_of_account(slug, owner=True)
    rental = services.release(membership.shop, rental_id, actor=current_account(), ip=client_ip())
    flash(
        gettext(
            "%(number)s is released. Calls to it no longer reach us.",
            number=services.national(rental.number.e164),
        ),
        "info",
    )
    return redirect(url_for("numbers.shop_numbers", slug=slug))


@bp.route("/staff/numbers", methods=["GET", "POST"])
@staff_required(StaffRole.ADMIN)
def pool() -> Page:
    error: str | None = None
    status = 200
    if request.method == "POST":
        try:
            row = services.add_to_pool(
                request.form.get("number", ""),
                kind=request.form.get("kind", ""),
                note=request.form.get("note", ""),
                actor=current_account(),
                ip=client_ip(),
            )
        except ValidationFailed as failure:
            error, status = failure.message, 400
        else:
            flash(gettext("%(number)s is in the pool.", number=services.national(row.e164)), "info")
            return redirect(url_for("numbers.pool"))
    return render_template(
        "numbers/pool.html",
        numbers=services.pool(),
        national=services.national,
        error=error,
        form=request.form,
    ), status
