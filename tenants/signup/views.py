"""`/signup`: a shop owner signs up alone, and verifies the e-mail address by a signed link."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import gettext
from flask_login import login_user
from werkzeug.wrappers import Response

from tenants.auth import current_account, login_required
from tenants.db import db, new_id
from tenants.scoping import Scope, set_scope
from tenants.services import ValidationFailed
from tenants.signup import services
from tenants.signup.forms import SignupForm
from tenants.web import client_ip, limiter

bp = Blueprint("signup", __name__)

Page = str | Response | tuple[str, int]


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("5 per minute;30 per hour", methods=["POST"])
def signup() -> Page:
    form = SignupForm()
    if form.validate_on_submit():
        given = services.Registration(
            **{
                name: (getattr(form, name).data or "")
                for name in services.Registration.__dataclass_fields__
            }
        )
        shop_id = new_id()
        set_scope(db.session, Scope(shop_id=shop_id))  # the one shop this request may write
        try:
            shop, owner = services.register(given, shop_id=shop_id, ip=client_ip())
        except ValidationFailed as failure:
            field = getattr(form, failure.field, None)
            if field is not None:
                field.errors = [failure.message]
            else:
                form.form_errors.append(failure.message)
        else:
            session.clear()
            login_user(owner)
            set_scope(db.session, Scope(shop_id=shop.id, user_id=owner.id))
            flash(
                gettext(
                    "Welcome! We sent a link to %(email)s: open it to put your shop live.",
                    email=owner.email,
                ),
                "info",
            )
            return redirect(url_for("tenants.shop_home", slug=shop.slug))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("signup/signup.html", form=form), status


@bp.get("/signup/verify/<token>")
def verify(token: str) -> Page:
    user, problem = services.verify(token, ip=client_ip())
    if user is None:
        message = (
            gettext("This link has expired. Log in and ask for a new one.")
            if problem == "expired"
            else gettext("This link is not valid.")
        )
        return render_template("errors/error.html", code=410, message=message), 410
    set_scope(db.session, Scope(user_id=user.id))
    for shop in services.pending_shops(user):
        set_scope(db.session, Scope(shop_id=shop.id, user_id=user.id))
        services.go_live(shop, user)
        db.session.flush()  # written while the scope still names this shop
    flash(gettext("Your e-mail address is confirmed. Your shop is live."), "info")
    return redirect(url_for("tenants.index"))


@bp.post("/signup/resend")
@login_required
@limiter.limit("3 per hour")
def resend() -> Response:
    user = current_account()
    if user.email_verified_at is None:
        services.send_verification(user)
        flash(gettext("We sent the link again to %(email)s.", email=user.email), "info")
    return redirect(url_for("tenants.index"))
