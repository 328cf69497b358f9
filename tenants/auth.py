"""Who is asking: the logged-in user of a web page, or the holder of an API token.

The identity is resolved once per request and the database scope narrowed to it; views then resolve
the shop a URL names through the user's memberships and narrow the scope to that shop.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, ParamSpec, TypeVar, cast

from flask import Flask, abort, g, redirect, request, url_for
from flask_login import LoginManager, current_user
from werkzeug.exceptions import Unauthorized

from tenants.db import db
from tenants.models import ApiToken, ShopMembership, ShopRole, StaffRole, User
from tenants.scoping import Scope, set_scope
from tenants.services import find_live_token, membership_for, token_entitled

P = ParamSpec("P")
R = TypeVar("R")

login_manager = LoginManager()
login_manager.login_view = "tenants.login"
login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    user_id = session_id.partition(":")[0]
    try:
        user = db.session.get(User, uuid.UUID(user_id))
    except ValueError:
        return None
    if user is None or not user.is_active or user.get_id() != session_id:
        return None  # disabled, or the password changed since this session began
    return user


@login_manager.unauthorized_handler
def _ask_to_log_in() -> Any:
    if request.path.startswith("/api/"):
        raise Unauthorized()
    return redirect(url_for("tenants.login", next=request.full_path.rstrip("?")))


def scope_to_logged_in_user() -> None:
    """Before each web request: scope the transaction to the logged-in user (or to nothing)."""
    scope_to_user(logged_in_user())


def scope_to_user(user: User | None) -> None:
    """A user's own rows (their memberships and shops), or every shop for staff; nothing for None."""
    if user is None:
        set_scope(db.session, Scope())
    else:
        set_scope(db.session, Scope(user_id=user.id, staff=user.is_staff))


def logged_in_user() -> User | None:
    if current_user.is_authenticated:
        return cast(User, current_user._get_current_object())
    return None


def current_account() -> User:
    """The logged-in user of a view that requires one (see `login_required`)."""
    user = logged_in_user()
    if user is None:
        raise Unauthorized()
    return user


def login_required(view: Callable[P, R]) -> Callable[P, R]:
    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if logged_in_user() is None:
            return cast(R, login_manager.unauthorized())
        return view(*args, **kwargs)

    return wrapper


def staff_required(*roles: StaffRole) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Only staff users with one of `roles` (any staff role when none is given); others get 404."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            user = logged_in_user()
            if user is None:
                return cast(R, login_manager.unauthorized())
            if not user.is_staff or (roles and user.staff_role not in roles):
                abort(404)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def shop_of_account(slug: str, *, owner: bool = False) -> ShopMembership:
    """The logged-in user's membership in the shop a URL names (404 if none), scope narrowed to it.

    With `owner`, a member who is not an owner gets 403: they may see the shop, not change it.
    """
    membership = enter_shop(current_account(), slug)
    if owner and membership.role != ShopRole.OWNER:
        abort(403)
    return membership


def enter_shop(user: User, slug: str) -> ShopMembership:
    """The user's membership in the shop a URL names (404 otherwise), with the scope narrowed to it."""
    membership = membership_for(user, slug)
    set_scope(db.session, Scope(shop_id=membership.shop_id, user_id=user.id))
    g.membership = membership
    return membership


# --- API tokens ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    """The holder of an API token and what it may reach."""

    user: User
    token: ApiToken

    @property
    def shop_id(self) -> uuid.UUID | None:
        return self.token.shop_id

    @property
    def staff_role(self) -> str | None:
        return self.user.staff_role if self.token.shop_id is None else None


def authenticate_bearer() -> Principal:
    """The principal of the request's `Authorization: Bearer` token, or 401 (looked up once per
    request: the blueprint's check before the parameters and the view share it)."""
    if "principal" in g:
        known: Principal = g.principal
        return known
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("Send an API token as 'Authorization: Bearer <token>'.")
    set_scope(db.session, Scope())
    token = find_live_token(value.strip())
    if token is None:
        raise Unauthorized("The token is unknown, revoked or belongs to a disabled account.")
    set_scope(
        db.session,
        Scope(shop_id=token.shop_id, user_id=token.user_id, staff=token.shop_id is None),
    )
    if not token_entitled(token):
        raise Unauthorized("The token's holder no longer has access to what it was made for.")
    principal = Principal(user=token.user, token=token)
    g.principal = principal
    return principal


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
