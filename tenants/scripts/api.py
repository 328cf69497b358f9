"""The FAQ script on the JSON API, for a shop's own token: `/api/v1/shop/script`."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint as ApiBlueprint
from werkzeug.exceptions import NotFound

from tenants.scripts import search, services
from tenants.scripts.content import ScriptSchema
from tenants.services import ValidationFailed
from tenants.shop_api import invalid, token_before_parameters, token_shop
from tenants.web import client_ip

blp = ApiBlueprint(
    "shop-script",
    __name__,
    url_prefix="/api/v1/shop/script",
    description="The shop's FAQ script: draft, publish, versions (shop tokens)",
)
blp.before_request(token_before_parameters)


class ScriptVersionSchema(ma.Schema):
    number = ma.fields.Integer()
    published_at = ma.fields.AwareDateTime()
    content = ma.fields.Nested(ScriptSchema)


class ScriptVersionSummarySchema(ma.Schema):
    number = ma.fields.Integer()
    published_at = ma.fields.AwareDateTime()


class ScriptDraftSchema(ma.Schema):
    content = ma.fields.Nested(ScriptSchema)
    updated_at = ma.fields.AwareDateTime()
    published_version = ma.fields.Integer(allow_none=True)


def _draft_out(shop: Any) -> dict[str, Any]:
    row = services.draft(shop)
    latest = services.latest_version(shop.id)
    return {
        "content": row.content,
        "updated_at": row.updated_at,
        "published_version": latest.number if latest else None,
    }


@blp.route("")
@blp.response(200, ScriptDraftSchema)
def get_draft() -> dict[str, Any]:
    """The draft, and the number of the version operators see now."""
    return _draft_out(token_shop())


@blp.route("", methods=["PUT"])
@blp.arguments(ScriptSchema)
@blp.response(200, ScriptDraftSchema)
def put_draft(body: dict[str, Any]) -> dict[str, Any]:
    """Replace the whole draft (validated; an invalid body changes nothing)."""
    shop = token_shop(owner=True)
    try:
        services.replace_draft(shop, ScriptSchema().dump(body))
    except ValidationFailed as failure:
        invalid(failure)
    return _draft_out(shop)


@blp.route("/publish", methods=["POST"])
@blp.response(201, ScriptVersionSummarySchema)
def publish() -> Any:
    """Publish the draft as the next immutable version."""
    shop = token_shop(owner=True)
    try:
        return services.publish(shop, None, client_ip())
    except ValidationFailed as failure:
        invalid(failure)


@blp.route("/versions")
@blp.response(200, ScriptVersionSummarySchema(many=True))
def list_versions() -> Any:
    """Published versions, newest first."""
    return services.versions(token_shop().id)


@blp.route("/versions/<int:number>")
@blp.response(200, ScriptVersionSchema)
def get_version(number: int) -> Any:
    """One published version as operators saw it."""
    found = services.version(token_shop().id, number)
    if found is None:
        raise NotFound()
    return found


class SearchArgs(ma.Schema):
    q = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


class HitSchema(ma.Schema):
    kind = ma.fields.String(metadata={"description": "faqs or products"})
    score = ma.fields.Float()
    item = ma.fields.Dict()


@blp.route("/search")
@blp.arguments(SearchArgs, location="query")
@blp.response(200, HitSchema(many=True))
def search_script(args: dict[str, Any]) -> Any:
    """Products and questions of the published script matching any word of `q`, best first."""
    published = services.latest_version(token_shop().id)
    return search.search(published.content, args["q"]) if published else []
