"""Members of a shop: the owner's page, and the invitation link an invited person opens."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import login_user
from werkzeug.wrappers import Response

from tenants import services as platform
from tenants.auth import (
    current_account,
    logged_in_user,
    login_required,
    shop_of_account,
)
from tenants.db import db
from tenants.members import services
from tenants.members.models import Invitation
from tenants.models import Shop, ShopMembership, ShopRole
from tenants.scoping import Scope, get_for_shop, set_scope
from tenants.web import client_ip, limiter

bp = Blueprint("members", __name__)

Page = str | Response | tuple[str, int]


def _render(membership: ShopMembership, error: str | None = None, status: int = 200) -> Page:
    return render_template(
        "members/members.html",
        shop=membership.shop,
        membership=membership,
        members=services.members(membership.shop_id),
        invitations=services.open_invitations(membership.shop_id),
        error=error,
    ), status


@bp.get("/shops/<slug>/members/")
@login_required
def members(slug: str) -> Page:
    return _render(shop_of_account(slug, owner=True))


@bp.post("/shops/<slug>/members/invite")
@login_required
@limiter.limit("20 per hour")
def invite(slug: str) -> Page:
    membership = shop_of_account(slug, owner=True)
    role = request.form.get("role", "member")
    if role not in (ShopRole.OWNER, ShopRole.MEMBER):
        abort(400)
    try:
        services.invite(
            membership.shop,
            email=request.form.get("email", ""),
            role=ShopRole(role),
            actor=current_account(),
            ip=client_ip(),
        )
    except platform.ValidationFailed as failure:
        return _render(membership, failure.message, 400)
    flash(gettext("Invitation sent."), "info")
    return redirect(url_for("members.members", slug=slug))


@bp.post("/shops/<slug>/members/invitations/<invitation_id>/revoke")
@login_required
def revoke(slug: str, invitation_id: str) -> Response:
    membership = shop_of_account(slug, owner=True)
    services.revoke(membership.shop, invitation_id, actor=current_account(), ip=client_ip())
    flash(gettext("Invitation withdrawn."), "info")
    return redirect(url_for("members.members", slug=slug))


@bp.post("/shops/<slug>/members/<membership_id>/role")
@login_required
def change_role(slug: str, membership_id: str) -> Page:
    membership = shop_of_account(slug, owner=True)
    get_for_shop(ShopMembership, membership.shop_id, membership_id)  # another shop's: 404 first
    role = request.form.get("role", "")
    if role not in (ShopRole.OWNER, ShopRole.MEMBER):
        abort(400)
    try:
        services.change_role(
            membership.shop, membership_id, ShopRole(role), actor=current_account(), ip=client_ip()
        )
    except platform.ValidationFailed as failure:
        return _render(membership, failure.message, 400)
    flash(gettext("Role changed."), "info")
    return redirect(url_for("members.members", slug=slug))


@bp.post("/shops/<slug>/members/<membership_id>/remove")
@login_required
def remove(slug: str, membership_id: str) -> Page:
    membership = shop_of_account(slug, owner=True)
    try:
        services.remove(membership.shop, membership_id, actor=current_account(), ip=client_ip())
    except platform.ValidationFailed as failure:
        return _render(membership, failure.message, 400)
    flash(gettext("Member removed."), "info")
    return redirect(url_for("members.members", slug=slug))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def accept(token: str) -> Page:
    found = services.read_token(token)
    if isinstance(found, str):
        message = (
            gettext("This invitation has expired. Ask for a new one.")
            if found == "expired"
            else gettext("This link is not valid.")
        )
        return render_template("errors/error.html", code=410, message=message), 410
    shop_id, invitation_id = found
    # The signed link names the shop: this request may see that shop and nothing else.
    user = logged_in_user()
    set_scope(db.session, Scope(shop_id=shop_id, user_id=user.id if user else None))
    invitation = get_for_shop(Invitation, shop_id, invitation_id)
    shop = db.session.get(Shop, shop_id)
    if not invitation.open or shop is None:
        return render_template(
            "errors/error.html", code=410, message=gettext("This invitation is no longer open.")
        ), 410
    existing = platform.find_user(invitation.email)
    error = None
    if request.method == "POST":
        try:
            if user is None and existing is None:
                user = platform.create_user(
                    email=invitation.email,
                    display_name=request.form.get("name", ""),
                    password=request.form.get("password", ""),
                )
                user.email_verified_at = invitation.created_at  # the mailed link proves it
            if user is None:
                abort(400)
            services.accept(invitation, user, ip=client_ip())
        except platform.ValidationFailed as failure:
            error = failure.message
        else:
            if logged_in_user() is None:
                session.clear()
                login_user(user)
            flash(gettext("Welcome to %(shop)s.", shop=shop.name), "info")
            return redirect(url_for("tenants.shop_home", slug=shop.slug))
    return render_template(
        "members/accept.html",
        invitation=invitation,
        shop=shop,
        user=user,
        existing=existing,
        error=error,
    ), 400 if error else 200
