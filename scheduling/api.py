"""Campaign days on the JSON API, for a shop's own token: a sale or a TV spot announced ahead, so
the queue that answers the shop staffs for it."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import abort, g
from flask_smorest import Blueprint as ApiBlueprint
from sqlalchemy import select

from scheduling import queues, rosters
from scheduling.models import Campaign
from tenants.db import db
from tenants.services import ValidationFailed
from tenants.shop_api import invalid, token_before_parameters, token_shop

# The queue that answers every shop's calls, until teams serve groups of shops (answering puts
# every queued call in this queue; a test keeps the two names equal).
TOKYO = ZoneInfo("Asia/Tokyo")

blp = ApiBlueprint(
    "shop-campaigns",
    __name__,
    url_prefix="/api/v1/shop/campaigns",
    description="Days the shop expects more calls (shop tokens; owners announce)",
)
blp.before_request(token_before_parameters)


def tokyo_today() -> date:
    return datetime.now(TOKYO).date()


def in_range(value: date) -> None:
    today = tokyo_today()
    if not today - timedelta(days=1) <= value <= today + timedelta(days=366):
        raise ma.ValidationError("From today to a year ahead.")


class CampaignSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    day = ma.fields.Date(required=True, validate=in_range)
    multiplier = ma.fields.Float(required=True, validate=ma.validate.Range(min=1.0, max=20.0))
    note = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=120)
    )


@blp.route("")
@blp.response(200, CampaignSchema(many=True))
def list_campaigns() -> list[Campaign]:
    """The shop's campaign days from today on."""
    shop = token_shop()
    return list(
        db.session.scalars(
            select(Campaign)
            .where(Campaign.shop_id == shop.id, Campaign.day >= tokyo_today())
            .order_by(Campaign.day)
        )
    )


@blp.route("", methods=["POST"])
@blp.arguments(CampaignSchema)
@blp.response(201, CampaignSchema)
def announce(body: dict[str, Any]) -> Campaign:
    """Announce a day and how many times the usual calls the shop expects (1 to 20)."""
    shop = token_shop(owner=True)
    try:
        campaign = rosters.add_campaign(
            queues.queue_of(shop.id),
            body["day"],
            body["multiplier"],
            body.get("note"),
            actor=g.principal.user,
        )
    except rosters.WorkforceRefused as refused:
        invalid(ValidationFailed("multiplier", str(refused)))
    campaign.shop_id = shop.id
    return campaign


@blp.route("/<uuid:campaign_id>", methods=["DELETE"])
@blp.response(204)
def withdraw(campaign_id: uuid.UUID) -> None:
    """Withdraw one of the shop's campaign days (another shop's: 404)."""
    shop = token_shop(owner=True)
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.shop_id != shop.id:
        abort(404)
    db.session.delete(campaign)
