"""Numbers on the JSON API, for a shop's own token: `/api/v1/shop/numbers`."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint as ApiBlueprint
from werkzeug.exceptions import Conflict

from tenants.numbers import services
from tenants.services import ValidationFailed
from tenants.shop_api import invalid, token_before_parameters, token_shop
from tenants.web import client_ip

blp = ApiBlueprint(
    "shop-numbers",
    __name__,
    url_prefix="/api/v1/shop/numbers",
    description="Rent and release phone and fax numbers (shop tokens)",
)
blp.before_request(token_before_parameters)


class NumberSchema(ma.Schema):
    id = ma.fields.UUID()
    number = ma.fields.Function(
        lambda n: services.national(n.e164), metadata={"description": "Japanese national format"}
    )
    e164 = ma.fields.String()
    kind = ma.fields.String()
    line_type = ma.fields.String()


class RentalSchema(ma.Schema):
    id = ma.fields.UUID()
    number = ma.fields.Nested(NumberSchema)
    started_at = ma.fields.AwareDateTime()
    ended_at = ma.fields.AwareDateTime(allow_none=True)


class AvailableArgs(ma.Schema):
    kind = ma.fields.String(validate=ma.validate.OneOf(("phone", "fax")))
    line_type = ma.fields.String(validate=ma.validate.OneOf(("geographic", "ip", "toll_free")))


class RentSchema(ma.Schema):
    number_id = ma.fields.UUID(required=True)


@blp.route("")
@blp.response(200, RentalSchema(many=True))
def list_rentals() -> Any:
    """The numbers this shop rents now."""
    return services.rentals(token_shop().id)


@blp.route("/available")
@blp.arguments(AvailableArgs, location="query")
@blp.response(200, NumberSchema(many=True))
def list_available(args: dict[str, Any]) -> Any:
    """Numbers free to rent (at most 50)."""
    token_shop()
    return services.available_numbers(args.get("kind"), args.get("line_type"))


@blp.route("", methods=["POST"])
@blp.arguments(RentSchema)
@blp.response(201, RentalSchema)
def rent(body: dict[str, Any]) -> Any:
    """Rent a number; 409 when another shop was first."""
    shop = token_shop(owner=True)
    try:
        return services.rent(shop, body["number_id"], actor=None, ip=client_ip())
    except services.NumberTaken:
        raise Conflict("Another shop rented this number first; choose another one.") from None
    except ValidationFailed as failure:
        invalid(failure)


@blp.route("/<rental_id>", methods=["DELETE"])
@blp.response(200, RentalSchema)
def release(rental_id: str) -> Any:
    """Release a rented number into its 90-day quarantine."""
    return services.release(token_shop(owner=True), rental_id, actor=None, ip=client_ip())
