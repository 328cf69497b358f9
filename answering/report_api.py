"""`GET /api/v1/reports/answer-rate`: a supervisor's (or admin's) token for every shop, a shop's
own token for that shop alone."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask_smorest import Blueprint as ApiBlueprint
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from answering import reports
from tenants.auth import authenticate_bearer
from tenants.config import settings_from
from tenants.db import db
from tenants.models import Shop, StaffRole
from tenants.services import SLUG_RE, ValidationFailed
from tenants.shop_api import invalid

blp = ApiBlueprint(
    "reports",
    __name__,
    url_prefix="/api/v1/reports",
    description="Answer rate, service level, ASA and AHT (DESIGN.md section 2)",
)


@blp.before_request
def _token_before_parameters() -> None:
    """The token is checked before the query is read: no token or a bad one is 401, and an
    operator's token 404, whatever the parameters."""
    principal = authenticate_bearer()
    if principal.shop_id is None and principal.staff_role not in (
        StaffRole.SUPERVISOR,
        StaffRole.ADMIN,
    ):
        raise NotFound()


def _range(data: dict[str, Any]) -> None:
    if data["to"] < data["from_"]:
        raise ma.ValidationError("'to' is before 'from'.", "to")
    if (data["to"] - data["from_"]).days > 366:
        raise ma.ValidationError("At most 366 days at a time.", "to")
    if not (data["from_"].year >= 2000 and data["to"].year <= 2200):
        raise ma.ValidationError("Choose dates between 2000 and 2200.", "from")


class ReportArgs(ma.Schema):
    from_ = ma.fields.Date(
        required=True, data_key="from", metadata={"description": "YYYY-MM-DD, Asia/Tokyo"}
    )
    to = ma.fields.Date(required=True, metadata={"description": "YYYY-MM-DD, inclusive"})
    group_by = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(reports.GROUPS),
        metadata={"description": "One of: " + ", ".join(reports.GROUPS)},
    )
    shop = ma.fields.String(
        validate=ma.validate.Regexp(SLUG_RE, error="Not a shop slug."),
        metadata={"description": "A shop's slug: only that shop's calls"},
    )

    @ma.validates_schema
    def check_range(self, data: dict[str, Any], **_: Any) -> None:
        _range(data)


class ReportRow(ma.Schema):
    shop = ma.fields.String()
    team = ma.fields.String(metadata={"description": "The queue the call waited in"})
    operator = ma.fields.String(metadata={"description": "Who took it; '-' for none"})
    day = ma.fields.String(metadata={"description": "YYYY-MM-DD, Asia/Tokyo"})
    interval = ma.fields.String(metadata={"description": "ISO 8601 with +09:00"})
    offered = ma.fields.Integer()
    answered = ma.fields.Integer()
    abandoned = ma.fields.Integer()
    short_abandoned = ma.fields.Integer()
    callbacks = ma.fields.Integer()
    answer_rate = ma.fields.Float(allow_none=True)
    service_level = ma.fields.Float(allow_none=True)
    asa_s = ma.fields.Float(allow_none=True)
    aht_s = ma.fields.Float(allow_none=True)


@blp.route("/answer-rate")
# A misspelt parameter is an error, not a silently different report.
@blp.arguments(ReportArgs, location="query", unknown=ma.RAISE)
@blp.response(200, ReportRow(many=True))
def answer_rate(args: dict[str, Any]) -> Any:
    """Rows per shop, team, operator, day or 30-minute interval for a range (Asia/Tokyo).

    offered = answered + abandoned (short abandons and callbacks apart); answer_rate = answered /
    offered; service_level = answered within SL_THRESHOLD_S / offered; asa_s = mean wait of
    answered calls; aht_s = mean handling time of answered calls. Empty groups are left out;
    rates of a group without offered calls are null.
    """
    shop_id = authenticate_bearer().shop_id
    if shop_id is not None and args["group_by"] == "operator":
        # Which of our staff took a shop's calls is ours to know, not the shop's.
        invalid(ValidationFailed("group_by", "By operator is for staff tokens."))
    if args.get("shop"):
        found = db.session.scalar(select(Shop.id).where(Shop.slug == args["shop"]))
        if found is None or (shop_id is not None and found != shop_id):
            raise NotFound()
        shop_id = found
    return reports.answer_rate(
        args["from_"],
        args["to"],
        args["group_by"],
        shop_id=shop_id,
        sl_threshold_s=settings_from(current_app.config).sl_threshold_s,
    )
