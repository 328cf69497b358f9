"""What every `/api/v1/shop/...` endpoint starts with: the token's shop, owners only for changes."""

from __future__ import annotations

from typing import NoReturn

from flask import g, request
from sqlalchemy import select
from werkzeug.exceptions import Forbidden, NotFound, UnprocessableEntity

from tenants.auth import authenticate_bearer
from tenants.db import db
from tenants.models import Shop, ShopMembership, ShopRole
from tenants.services import ValidationFailed

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def token_shop(*, owner: bool = False) -> Shop:
    """The shop of the request's token (staff tokens have no `/shop`: 404).

    With `owner`, the token's holder must own the shop: members read, owners change (403).
    """
    principal = authenticate_bearer()
    if principal.shop_id is None:
        raise NotFound()
    shop = db.session.get(Shop, principal.shop_id)
    if shop is None:
        raise NotFound()
    if owner:
        role = db.session.scalar(
            select(ShopMembership.role).where(
                ShopMembership.shop_id == shop.id, ShopMembership.user_id == principal.user.id
            )
        )
        if role != ShopRole.OWNER:
            raise Forbidden("Only the shop's owners can do this.")
    g.shop = shop
    return shop


def token_before_parameters() -> None:
    """Registered before every `/api/v1/shop/...` view, so the token is checked before the query or
    body is read: no token or a bad one is 401, a staff token 404 and a member's token on a change
    403, whatever the parameters."""
    token_shop(owner=request.method not in SAFE_METHODS)


def invalid(failure: ValidationFailed) -> NoReturn:
    """422 problem+json naming the field, like a schema error."""
    error = UnprocessableEntity()
    error.data = {"message": failure.message, "errors": {failure.field: [failure.message]}}  # type: ignore[attr-defined]
    raise error
