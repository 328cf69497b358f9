"""Notification settings on the JSON API, for a shop's own token."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import g
from flask_smorest import Blueprint as ApiBlueprint

from tenants.notifications import services
from tenants.services import ValidationFailed
from tenants.shop_api import invalid, token_before_parameters, token_shop
from tenants.web import client_ip

blp = ApiBlueprint(
    "shop-notifications",
    __name__,
    url_prefix="/api/v1/shop/notifications",
    description="Where and when the shop hears from us (shop tokens)",
)
blp.before_request(token_before_parameters)


class NotificationSchema(ma.Schema):
    emails = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(max=254)),
        validate=ma.validate.Length(max=20),
        load_default=list,
    )
    webhook_url = ma.fields.String(
        allow_none=True, load_default=None, validate=ma.validate.Length(max=500)
    )
    webhook_secret = ma.fields.String(dump_only=True)
    categories = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.OneOf(services.CATEGORIES)),
        values=ma.fields.String(validate=ma.validate.OneOf(services.MODES)),
        load_default=dict,
    )
    digest_time = ma.fields.String(
        load_default=None,
        validate=ma.validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$"),
        metadata={"description": "When the daily digest is sent (Asia/Tokyo, HH:MM)"},
    )
    last_test_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    last_test_result = ma.fields.String(dump_only=True, allow_none=True)


@blp.route("")
@blp.response(200, NotificationSchema)
def get_settings() -> dict[str, Any]:
    """The shop's notification settings, with the webhook signing secret."""
    return services.as_dict(services.settings_for(token_shop(owner=True)))


@blp.route("", methods=["PUT"])
@blp.arguments(NotificationSchema)
@blp.response(200, NotificationSchema)
def put_settings(body: dict[str, Any]) -> dict[str, Any]:
    """Replace the settings (validated; an invalid body changes nothing)."""
    shop = token_shop(owner=True)
    try:
        row = services.update(
            shop,
            emails=body["emails"],
            webhook_url=body["webhook_url"] or "",
            categories=body["categories"],
            digest_time=body["digest_time"],
            ip=client_ip(),
            actor=g.principal.user,
        )
    except ValidationFailed as failure:
        invalid(failure)
    return services.as_dict(row)


@blp.route("/test", methods=["POST"])
@blp.response(202)
def send_test() -> None:
    """Send a test to every address and to the webhook."""
    services.request_test(token_shop(owner=True))
