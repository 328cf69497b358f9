"""Two-step login pages: turn it on or off, and the second step of logging in."""

from __future__ import annotations

import time
import uuid

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import login_user
from werkzeug.wrappers import Response

from tenants import two_factor
from tenants.auth import current_account, login_required, scope_to_user
from tenants.db import db
from tenants.models import User
from tenants.services import ValidationFailed
from tenants.web import client_ip, keep_changes, limiter, safe_next

bp = Blueprint("two_factor", __name__)

Page = str | Response | tuple[str, int]
PENDING = "2fa_pending"
PENDING_SECONDS = 300


def start_second_step(user: User, next_url: str | None) -> Response:
    """After a right password: remember who is half logged in, and ask for the code."""
    session.clear()
    session[PENDING] = {"u": str(user.id), "at": int(time.time()), "next": next_url or ""}
    return redirect(url_for("two_factor.second_step"))


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def second_step() -> Page:
    pending = session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        session.pop(PENDING, None)
        flash(gettext("Log in again."), "info")
        return redirect(url_for("tenants.login"))
    user = db.session.get(User, uuid.UUID(pending["u"]))
    if user is None or not user.is_active:
        session.pop(PENDING, None)
        return redirect(url_for("tenants.login"))
    if request.method == "POST":
        if two_factor.check(user, request.form.get("code", ""), ip=client_ip()):
            next_url = pending.get("next")
            session.clear()
            login_user(user)
            scope_to_user(user)
            from tenants.views import home_url

            return redirect(safe_next(next_url) or home_url(user))
        keep_changes()
        return render_template(
            "two_factor/second_step.html", error=gettext("The code is not right.")
        ), 401
    return render_template("two_factor/second_step.html", error=None)


@bp.route("/account/security", methods=["GET", "POST"])
@login_required
def security() -> Page:
    user = current_account()
    error = None
    if request.method == "POST" and request.form.get("action") == "enable":
        secret = session.get("2fa_secret")
        if secret:
            try:
                codes = two_factor.enable(
                    user, secret, request.form.get("code", ""), ip=client_ip()
                )
            except ValidationFailed as failure:
                error = failure.message
            else:
                session.pop("2fa_secret", None)
                return render_template("two_factor/codes.html", codes=codes)
    elif request.method == "POST" and request.form.get("action") == "disable":
        try:
            two_factor.disable(user, request.form.get("password", ""), ip=client_ip())
        except ValidationFailed as failure:
            error = failure.message
        else:
            flash(gettext("Two-step login is off."), "info")
            return redirect(url_for("two_factor.security"))
    qr = secret = None
    if user.totp_enabled_at is None:
        secret = session.get("2fa_secret") or two_factor.new_secret()
        session["2fa_secret"] = secret
        qr = two_factor.qr_data_uri(user, secret)
    return render_template(
        "two_factor/security.html", user=user, qr=qr, secret=secret, error=error
    ), 400 if error else 200
