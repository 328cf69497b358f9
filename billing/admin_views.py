"""The rate card page for admins, and the same on the API for an admin's token."""

from __future__ import annotations

from datetime import date
from typing import Any, NoReturn

import marshmallow as ma
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_smorest import Blueprint as ApiBlueprint
from werkzeug.exceptions import NotFound, UnprocessableEntity
from werkzeug.wrappers import Response

from billing import rate_cards
from billing.pricing import DEFAULT_RATES
from tenants.auth import authenticate_bearer, current_account, staff_required
from tenants.models import StaffRole
from tenants.services import ValidationFailed
from tenants.web import client_ip

bp = Blueprint("rate_cards", __name__, template_folder="templates")
api = ApiBlueprint(
    "rate-cards",
    __name__,
    url_prefix="/api/v1/rate-cards",
    description="Prices with the date they apply from (admins' tokens)",
)


def _form_values() -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in (*rate_cards.YEN_FIELDS, "tax_rate_percent"):
        raw = request.form.get(name, "").replace(",", "").strip()
        values[name] = int(raw) if raw.isascii() and raw.isdigit() else None
    try:
        values["effective_from"] = date.fromisoformat(request.form.get("effective_from", ""))
    except ValueError:
        values["effective_from"] = None
    for name in ("issuer_name", "issuer_registration_number", "issuer_address"):
        values[name] = request.form.get(name, "")
    return values


@bp.route("/staff/rate-cards", methods=["GET", "POST"])
@staff_required(StaffRole.ADMIN)
def page() -> str | Response | tuple[str, int]:
    error = None
    if request.method == "POST":
        try:
            rate_cards.add_card(_form_values(), actor=current_account(), ip=client_ip())
        except ValidationFailed as failure:
            error = failure.message
        else:
            flash(gettext("Rate card saved."), "info")
            return redirect(url_for("rate_cards.page"))
    return render_template(
        "billing/rate_cards.html",
        cards=rate_cards.cards(),
        defaults=DEFAULT_RATES,
        error=error,
        form=request.form,
    ), 400 if error else 200


class RateCardSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    effective_from = ma.fields.Date(required=True)
    weekday_day_yen_per_hour = ma.fields.Integer(required=True, strict=True)
    weekday_night_yen_per_hour = ma.fields.Integer(required=True, strict=True)
    weekend_holiday_yen_per_hour = ma.fields.Integer(required=True, strict=True)
    phone_number_yen_per_month = ma.fields.Integer(required=True, strict=True)
    fax_number_yen_per_month = ma.fields.Integer(required=True, strict=True)
    monthly_minimum_yen = ma.fields.Integer(required=True, strict=True)
    tax_rate_percent = ma.fields.Integer(required=True, strict=True)
    issuer_name = ma.fields.String(required=True, validate=ma.validate.Length(max=120))
    issuer_registration_number = ma.fields.String(required=True)
    issuer_address = ma.fields.String(required=True, validate=ma.validate.Length(max=200))


@api.before_request
def _admins_only() -> None:
    principal = authenticate_bearer()
    if principal.staff_role != StaffRole.ADMIN:
        raise NotFound()


def _invalid(failure: ValidationFailed) -> NoReturn:
    error = UnprocessableEntity()
    error.data = {"message": failure.message, "errors": {failure.field: [failure.message]}}  # type: ignore[attr-defined]
    raise error


@api.route("")
@api.response(200, RateCardSchema(many=True))
def list_cards() -> Any:
    """Every rate card, newest first."""
    return rate_cards.cards()


@api.route("", methods=["POST"])
@api.arguments(RateCardSchema)
@api.response(201, RateCardSchema)
def create_card(body: dict[str, Any]) -> Any:
    """Add a card from a date on; cards in force never change."""
    try:
        return rate_cards.add_card(body, actor=g.principal.user, ip=client_ip())
    except ValidationFailed as failure:
        _invalid(failure)
