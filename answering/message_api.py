"""`GET /api/v1/shop/messages`: a shop's own token reads its messages (newest first, the inbox's
filters), one message by id; another shop's id is 404."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint as ApiBlueprint

from answering import delivery, inbox
from answering.messages import DISPOSITIONS
from answering.models import Message
from tenants.scoping import get_for_shop
from tenants.shop_api import token_before_parameters, token_shop

blp = ApiBlueprint(
    "shop-messages",
    __name__,
    url_prefix="/api/v1/shop/messages",
    description="Messages our operators took for the shop (shop tokens; members read)",
)
blp.before_request(token_before_parameters)


class MessageArgs(ma.Schema):
    q = ma.fields.String(load_default="", validate=ma.validate.Length(max=100))
    urgency = ma.fields.String(
        load_default="", validate=ma.validate.OneOf(["", "urgent", "normal"])
    )
    disposition = ma.fields.String(load_default="", validate=ma.validate.OneOf(["", *DISPOSITIONS]))
    status = ma.fields.String(load_default="", validate=ma.validate.OneOf(["", "unread", "read"]))
    from_ = ma.fields.Date(load_default=None, data_key="from")
    to = ma.fields.Date(load_default=None)


class Field(ma.Schema):
    key = ma.fields.String()
    label = ma.fields.String()
    value = ma.fields.String()


class Callback(ma.Schema):
    from_ = ma.fields.String(data_key="from")
    until = ma.fields.String()


class MessageOut(ma.Schema):
    id = ma.fields.String()
    created_at = ma.fields.String()
    caller = ma.fields.String()
    disposition = ma.fields.String()
    category = ma.fields.String(allow_none=True)
    urgency = ma.fields.String()
    urgent_because = ma.fields.String(allow_none=True)
    body = ma.fields.String()
    fields_ = ma.fields.List(ma.fields.Nested(Field), data_key="fields")
    callback = ma.fields.Nested(Callback, allow_none=True)
    url = ma.fields.String()
    read = ma.fields.Boolean()


def _out(message: Message) -> dict[str, Any]:
    shop = token_shop()
    data = delivery.as_json(shop, message)
    if data["callback"] is not None:
        data["callback"] = {"from_": data["callback"]["from"], "until": data["callback"]["until"]}
    form = data.pop("fields")
    return {**data, "fields_": form, "read": message.read_at is not None}


@blp.route("")
@blp.arguments(MessageArgs, location="query")
@blp.response(200, MessageOut(many=True))
def list_messages(args: dict[str, Any]) -> list[dict[str, Any]]:
    """The newest 100 messages matching the filters (dates in Asia/Tokyo)."""
    shop = token_shop()
    filters = inbox.Filters(
        query=args["q"].strip(),
        urgency=args["urgency"],
        category=args["disposition"],
        status=args["status"],
        since=args["from_"],
        until=args["to"],
    )
    return [_out(m) for m in inbox.messages(shop.id, filters)]


@blp.route("/<message_id>")
@blp.response(200, MessageOut)
def get_message(message_id: str) -> dict[str, Any]:
    """One message (another shop's id, or none: 404)."""
    shop = token_shop()
    return _out(get_for_shop(Message, shop.id, message_id))
