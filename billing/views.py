"""The live price estimate the coverage editor asks for while the owner paints hours."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from billing import services
from billing.pricing import MonthlyAmount
from tenants.auth import login_required, shop_of_account
from tenants.coverage import services as coverage
from tenants.services import ValidationFailed

bp = Blueprint("billing", __name__, template_folder="templates")


def as_json(amount: MonthlyAmount) -> dict[str, Any]:
    return {
        "year": amount.year,
        "month": amount.month,
        "minutes": amount.minutes,
        "band_yen": amount.band_yen,
        "coverage_yen": amount.coverage_yen,
        "minimum_yen": amount.minimum_yen,
        "minimum_applies": amount.minimum_applies,
        "number_yen": amount.number_yen,
        "subtotal": amount.subtotal,
        "tax": amount.tax,
        "total": amount.total,
    }


@bp.post("/shops/<slug>/billing/estimate")
@login_required
def estimate(slug: str) -> Response | tuple[Response, int]:
    """This month's and next month's amount if the submitted (unsaved) hours were saved."""
    membership = shop_of_account(slug)
    form = request.form
    effective = None
    if form.get("effective_from"):
        try:
            effective = date.fromisoformat(form["effective_from"])
        except ValueError:
            return jsonify(error="effective_from", message="Enter a date."), 422
    given = coverage.WeekInput(
        {d: form.get(f"day_{d}", "")[:200] for d in range(7)},
        form.get("holiday_mode", "as_weekday"),
        form.get("holiday_bands", "")[:200],
        effective,
    )
    try:
        hours = coverage.coverage_with_draft(membership.shop_id, given)
    except ValidationFailed as failure:
        return jsonify(error=failure.field, message=failure.message), 422
    return jsonify(months=[as_json(a) for a in services.estimate(membership.shop, hours)])
