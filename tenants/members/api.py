"""Members and invitations on the JSON API, for a shop's own token."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response
from flask_smorest import Blueprint as ApiBlueprint

from tenants import closing
from tenants.members import services
from tenants.models import ShopRole, User
from tenants.schemas import MemberSchema
from tenants.services import ValidationFailed
from tenants.shop_api import invalid, token_before_parameters, token_shop
from tenants.web import client_ip

blp = ApiBlueprint(
    "shop-members",
    __name__,
    url_prefix="/api/v1/shop",
    description="Members, invitations and the export of a shop (shop tokens of owners)",
)
blp.before_request(token_before_parameters)


class InvitationSchema(ma.Schema):
    id = ma.fields.UUID(dump_only=True)
    email = ma.fields.Email(required=True)
    role = ma.fields.String(load_default="member", validate=ma.validate.OneOf(("owner", "member")))
    created_at = ma.fields.AwareDateTime(dump_only=True)


def owner_token() -> tuple[Any, User]:
    """The token's shop and holder, when the holder owns the shop (members get 403)."""
    from flask import g

    shop = token_shop(owner=True)
    holder: User = g.principal.user
    return shop, holder


@blp.route("/members")
@blp.response(200, MemberSchema(many=True))
def list_members() -> Any:
    """The shop's members and their roles."""
    return services.members(token_shop().id)


@blp.route("/invitations")
@blp.response(200, InvitationSchema(many=True))
def list_invitations() -> Any:
    """Invitations waiting for an answer."""
    shop, _ = owner_token()
    return services.open_invitations(shop.id)


@blp.route("/invitations", methods=["POST"])
@blp.arguments(InvitationSchema)
@blp.response(201, InvitationSchema)
def create_invitation(body: dict[str, Any]) -> Any:
    """Invite someone by e-mail; the link is mailed at once."""
    shop, holder = owner_token()
    try:
        return services.invite(
            shop, email=body["email"], role=ShopRole(body["role"]), actor=holder, ip=client_ip()
        )
    except ValidationFailed as failure:
        invalid(failure)


@blp.route("/invitations/<invitation_id>", methods=["DELETE"])
@blp.response(204)
def delete_invitation(invitation_id: str) -> None:
    """Withdraw an invitation."""
    shop, holder = owner_token()
    services.revoke(shop, invitation_id, actor=holder, ip=client_ip())


@blp.route("/export")
@blp.response(200, content_type="application/zip")
def export() -> Response:
    """Everything the shop has with us, as a zip of JSON and CSV files."""
    shop, holder = owner_token()
    return Response(
        closing.export_zip(shop, holder, client_ip()),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{shop.slug}-export.zip"'},
    )
