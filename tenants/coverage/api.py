"""Coverage on the JSON API, for a shop's own token: `/api/v1/shop/coverage`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_smorest import Blueprint as ApiBlueprint
from werkzeug.exceptions import NotFound

from tenants.coverage import services
from tenants.coverage.schedule import TOKYO, WEEKDAYS
from tenants.coverage.schemas import (
    CheckArgs,
    CheckSchema,
    ClosureSchema,
    CoverageSchema,
    EmergencySchema,
    VersionInSchema,
    VersionSchema,
)
from tenants.services import ValidationFailed
from tenants.shop_api import invalid, token_before_parameters, token_shop
from tenants.web import client_ip

blp = ApiBlueprint(
    "shop-coverage",
    __name__,
    url_prefix="/api/v1/shop",
    description="A shop's coverage hours, closures and emergency closure (shop tokens)",
)
blp.before_request(token_before_parameters)


@blp.route("/coverage")
@blp.response(200, CoverageSchema)
def get_coverage() -> dict[str, Any]:
    """Current hours, every version, closures and any emergency closure."""
    shop = token_shop()
    return {
        "covered_now": services.is_covered(shop.id, datetime.now(TOKYO)),
        "current": services.current_version(shop.id),
        "versions": services.versions(shop.id),
        "closures": services.closures(shop.id),
        "emergency": services.active_emergency(shop.id),
    }


@blp.route("/coverage", methods=["POST"])
@blp.arguments(VersionInSchema)
@blp.response(201, VersionSchema)
def post_coverage(body: dict[str, Any]) -> Any:
    """Save a new version of the weekly hours from `effective_from` (default: today)."""
    shop = token_shop(owner=True)
    given = services.WeekInput(
        {WEEKDAYS.index(day): ", ".join(bands) for day, bands in body["week"].items()},
        body["holiday_mode"],
        ", ".join(body["holiday_bands"]),
        body["effective_from"],
    )
    try:
        return services.save_version(shop, None, given)
    except ValidationFailed as failure:
        invalid(failure)


@blp.route("/coverage/check")
@blp.arguments(CheckArgs, location="query")
@blp.response(200, CheckSchema)
def check(args: dict[str, Any]) -> dict[str, Any]:
    """Whether we answer this shop's calls at a given moment."""
    shop = token_shop()
    return {"at": args["at"], "covered": services.is_covered(shop.id, args["at"])}


@blp.route("/closures", methods=["POST"])
@blp.arguments(ClosureSchema)
@blp.response(201, ClosureSchema)
def post_closure(body: dict[str, Any]) -> Any:
    """Close on a range of days (optionally every year)."""
    shop = token_shop(owner=True)
    try:
        return services.add_closure(shop, **body)
    except ValidationFailed as failure:
        invalid(failure)


@blp.route("/closures/<closure_id>", methods=["DELETE"])
@blp.response(204)
def delete_closure(closure_id: str) -> None:
    """Remove a closure."""
    services.remove_closure(token_shop(owner=True), closure_id)


@blp.route("/emergency-closure", methods=["PUT"])
@blp.arguments(EmergencySchema)
@blp.response(200, EmergencySchema)
def put_emergency(body: dict[str, Any]) -> Any:
    """Close at once (臨時休業); callers hear `message`."""
    shop = token_shop(owner=True)
    try:
        return services.start_emergency(shop, None, body["message"], client_ip())
    except ValidationFailed as failure:
        invalid(failure)


@blp.route("/emergency-closure", methods=["DELETE"])
@blp.response(204)
def delete_emergency() -> None:
    """End the emergency closure."""
    shop = token_shop(owner=True)
    if not services.end_emergency(shop, None, client_ip()):
        raise NotFound()
