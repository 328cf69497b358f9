"""The platform's JSON API under /api/v1, and the OpenAPI document every API blueprint joins."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, send_from_directory
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint
from sqlalchemy import Select, select
from sqlalchemy.exc import OperationalError
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]
from werkzeug.exceptions import HTTPException, NotFound

from tenants import services
from tenants.auth import Principal, authenticate_bearer
from tenants.db import db
from tenants.errors import ProblemSchema, handle_database_unavailable, handle_http_exception
from tenants.models import Shop, ShopMembership, StaffRole
from tenants.request_cycle import csrf
from tenants.schemas import MemberSchema, MeSchema, ShopSchema, TokenSchema
from tenants.web import client_ip


class ProblemApi(Api):
    """Documents every error response with the content type it is sent with:
    `application/problem+json` (see `tenants.errors`)."""

    def _register_responses(self) -> None:
        self.DEFAULT_RESPONSE_CONTENT_TYPE = "application/problem+json"
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE  # successes stay `application/json`


api = ProblemApi()

blp = ApiBlueprint(
    "platform", __name__, url_prefix="/api/v1", description="Who you are, shops, API tokens"
)


@blp.before_request
def _authenticate() -> None:
    authenticate_bearer()


def principal() -> Principal:
    found: Principal = g.principal  # set by `_authenticate` before every view
    return found


def shops_for(who: Principal) -> Select[Shop]:
    """The shops a principal may read: its own shop, or every shop for supervisors and admins."""
    query = select(Shop).order_by(Shop.created_at)
    if who.shop_id is not None:
        return query.where(Shop.id == who.shop_id)
    if who.staff_role in (StaffRole.SUPERVISOR, StaffRole.ADMIN):
        return query
    return query.where(Shop.id.is_(None))


def shop_for(who: Principal, slug: str) -> Shop:
    shop = db.session.scalar(shops_for(who).where(Shop.slug == slug))
    if shop is None:
        raise NotFound()
    return shop


@blp.route("/me")
@blp.response(200, MeSchema)
def me() -> dict[str, Any]:
    """The token's holder and what the token is scoped to."""
    who = principal()
    return {"user": who.user, "token": who.token, "shop": who.token.shop}


@blp.route("/shops")
@blp.response(200, ShopSchema(many=True))
def list_shops() -> Any:
    """Shops this token can read."""
    return db.session.scalars(shops_for(principal())).all()


@blp.route("/shops/<slug>")
@blp.response(200, ShopSchema)
def get_shop(slug: str) -> Shop:
    """One shop; 404 when it is not one this token can read."""
    return shop_for(principal(), slug)


@blp.route("/shops/<slug>/members")
@blp.response(200, MemberSchema(many=True))
def list_members(slug: str) -> Any:
    """The shop's members and their roles."""
    shop = shop_for(principal(), slug)
    return db.session.scalars(
        select(ShopMembership)
        .where(ShopMembership.shop_id == shop.id)
        .order_by(ShopMembership.created_at)
    ).all()


@blp.route("/tokens")
@blp.response(200, TokenSchema(many=True))
def list_tokens() -> Any:
    """The holder's own tokens (never their values)."""
    return services.tokens_of(principal().user)


@blp.route("/tokens/<token_id>", methods=["DELETE"])
@blp.response(204)
def revoke_token(token_id: str) -> None:
    """Revoke one of the holder's tokens (it may be the one in use)."""
    services.revoke_token(principal().user, token_id, ip=client_ip())


def swagger_ui_file(filename: str) -> Response:
    return send_from_directory(swagger_ui_path, filename, max_age=86400)


def init_app(app: Flask) -> None:
    app.config.update(
        API_TITLE="電話代行クラウド API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        # Swagger UI's files come from the swagger-ui-bundle package: the page works offline.
        OPENAPI_SWAGGER_UI_URL="/api/swagger-ui/",
    )
    app.add_url_rule(
        "/api/swagger-ui/<path:filename>", "swagger_ui_files", swagger_ui_file, methods=["GET"]
    )
    api.ERROR_SCHEMA = ProblemSchema
    api.init_app(
        app,
        spec_kwargs={
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
        },
    )
    from tenants.coverage.api import blp as coverage_blp
    from tenants.members.api import blp as members_blp
    from tenants.notifications.api import blp as notifications_blp
    from tenants.numbers.api import blp as numbers_blp
    from tenants.scripts.api import blp as script_blp

    for blueprint in (blp, coverage_blp, numbers_blp, script_blp, notifications_blp, members_blp):
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)  # bearer tokens, never cookies: no cross-site request carries one
    # flask-smorest answers every HTTP error with its own JSON; ours is problem+json for the API
    # and a page for everything else.
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(OperationalError, handle_database_unavailable)
