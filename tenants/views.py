"""The platform's pages: log in and out, password reset, language, the shop and staff home pages,
API tokens and the audit log."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_datetime, gettext
from flask_login import login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from tenants import services, suspension
from tenants.audit_log import audit_log as audit_rows
from tenants.auth import (
    current_account,
    enter_shop,
    logged_in_user,
    login_required,
    scope_to_user,
    staff_required,
)
from tenants.coverage import services as coverage
from tenants.db import db, utcnow
from tenants.forms import (
    EmptyForm,
    ForgotPasswordForm,
    LocaleForm,
    LoginForm,
    ResetPasswordForm,
    TokenForm,
)
from tenants.models import Shop, ShopMembership, StaffRole, User
from tenants.signals import shop_dashboard
from tenants.two_factor_views import start_second_step
from tenants.web import client_ip, keep_changes, limiter, safe_next

bp = Blueprint("tenants", __name__, template_folder="templates")

Page = str | Response | tuple[str, int]


def home_url(user: User) -> str:
    if user.is_staff:
        return url_for("tenants.staff_home")
    memberships = services.memberships_of(user)
    if len(memberships) == 1:
        return url_for("tenants.shop_home", slug=memberships[0].shop.slug)
    return url_for("tenants.account")


@bp.get("/")
def index() -> Response:
    user = logged_in_user()
    return redirect(home_url(user) if user else url_for("tenants.login"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute;60 per hour", methods=["POST"])
def login() -> Page:
    user = logged_in_user()
    if user is not None:
        return redirect(home_url(user))
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("tenants/login.html", form=form), 400 if form.errors else 200
    outcome = services.authenticate(form.email.data or "", form.password.data or "", ip=client_ip())
    if outcome.user is None:
        keep_changes()  # the failure count and the audit entry must stay
        if outcome.error == "locked" and outcome.locked_until is not None:
            message = gettext(
                "Too many failed attempts: this account is locked until %(time)s. "
                "Try again then, or reset your password.",
                time=format_datetime(outcome.locked_until, "HH:mm"),
            )
            return render_template("tenants/login.html", form=form, error=message), 423
        if outcome.error == "inactive":
            message = gettext("This account is disabled. Ask your administrator.")
        else:
            message = gettext("The e-mail address or the password is wrong.")
        return render_template("tenants/login.html", form=form, error=message), 401
    if outcome.user.totp_enabled_at is not None:
        return start_second_step(outcome.user, safe_next(form.next.data))
    session.clear()
    login_user(outcome.user)
    scope_to_user(outcome.user)
    return redirect(safe_next(form.next.data) or home_url(outcome.user))


@bp.post("/logout")
def logout() -> Response:
    form = EmptyForm()
    if form.validate_on_submit():
        user = logged_in_user()
        if user is not None:
            services.audit("logout", actor=user, target=user.email, ip=client_ip())
        logout_user()
        session.clear()
        flash(gettext("You have logged out."), "info")
    return redirect(url_for("tenants.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute;20 per hour", methods=["POST"])
def forgot_password() -> Page:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data or "", ip=client_ip())
        flash(
            gettext(
                "If an account uses this address, a link to reset its password is on its way. "
                "It works for one hour."
            ),
            "info",
        )
        return redirect(url_for("tenants.login"))
    return render_template("tenants/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def reset_password(token: str) -> Page:
    user, problem = services.user_for_reset_token(token)
    if user is None:
        if problem == "expired":
            message = gettext("This link has expired. Ask for a new one.")
        else:
            message = gettext("This link is not valid or has already been used. Ask for a new one.")
        return render_template("tenants/reset_invalid.html", message=message), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password(user, form.password.data or "", ip=client_ip())
        except services.ValidationFailed as failure:
            form.password.errors = [failure.message]
        else:
            flash(gettext("Your password is changed. Log in with the new one."), "info")
            return redirect(url_for("tenants.login"))
    return render_template("tenants/reset.html", form=form), 400 if form.errors else 200


@bp.post("/locale")
def set_locale() -> Response:
    form = LocaleForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        user = logged_in_user()
        if user is not None:
            user.locale = form.locale.data or "ja"
    return redirect(safe_next(form.next.data) or url_for("tenants.index"))


@bp.get("/account")
@login_required
def account() -> str:
    user = current_account()
    return render_template("tenants/account.html", memberships=services.memberships_of(user))


@bp.get("/shops/<slug>/")
@login_required
def shop_home(slug: str) -> str:
    user = current_account()
    membership = enter_shop(user, slug)
    members = db.session.scalars(
        select(ShopMembership)
        .where(ShopMembership.shop_id == membership.shop_id)
        .order_by(ShopMembership.created_at)
    ).all()
    now = utcnow()
    return render_template(
        "tenants/shop_home.html",
        shop=membership.shop,
        membership=membership,
        members=members,
        covered_now=coverage.is_covered(membership.shop_id, now),
        next_change=coverage.next_change(membership.shop_id, now),
        emergency=coverage.active_emergency(membership.shop_id),
        has_hours=coverage.current_version(membership.shop_id) is not None,
        cards=[
            card
            for _, card in shop_dashboard.send(
                current_app._get_current_object(),  # type: ignore[attr-defined]
                shop=membership.shop,
            )
            if card
        ],
    )


@bp.get("/staff/")
@staff_required()
def staff_home() -> str:
    shops = db.session.scalars(select(Shop).order_by(Shop.created_at)).all()
    staff = db.session.scalars(
        select(User).where(User.staff_role.is_not(None)).order_by(User.staff_role, User.email)
    ).all()
    return render_template(
        "tenants/staff_home.html", shops=shops, staff=staff, reasons=suspension.REASONS
    )


def _shop_by_slug(slug: str) -> Shop:
    shop = db.session.scalar(select(Shop).where(Shop.slug == slug[:40]))
    if shop is None:
        abort(404)
    return shop


@bp.post("/staff/shops/<slug>/suspend")
@staff_required(StaffRole.ADMIN)
def suspend_shop(slug: str) -> Response:
    """Suspend a shop for a reason other than non-payment (billing's overdue page does that)."""
    shop = _shop_by_slug(slug)
    try:
        suspension.suspend(
            shop,
            request.form.get("reason", "")[:40],
            request.form.get("note", "")[:1000],
            actor=current_account(),
            ip=client_ip(),
        )
    except services.ValidationFailed as failure:
        flash(failure.message, "error")
    else:
        flash(gettext("%(shop)s is suspended: calls hear the suspended message.", shop=shop.name))
    return redirect(url_for("tenants.staff_home"))


@bp.post("/staff/shops/<slug>/lift-suspension")
@staff_required(StaffRole.ADMIN)
def lift_suspension(slug: str) -> Response:
    shop = _shop_by_slug(slug)
    try:
        suspension.lift(shop, actor=current_account(), ip=client_ip())
    except services.ValidationFailed as failure:
        flash(failure.message, "error")
    else:
        flash(gettext("%(shop)s answers calls again.", shop=shop.name))
    return redirect(url_for("tenants.staff_home"))


@bp.get("/staff/audit")
@staff_required(StaffRole.ADMIN)
def audit_log() -> str:
    return render_template("tenants/audit.html", rows=audit_rows())


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens() -> Page:
    user = current_account()
    form = TokenForm()
    form.shop.choices = _token_scopes(user)
    created: str | None = None
    if form.validate_on_submit():
        shop = _shop_for_token(user, form.shop.data)
        try:
            _token, created = services.create_token(
                user, name=form.name.data or "", shop=shop, ip=client_ip()
            )
        except services.ValidationFailed as failure:
            form.name.errors = [failure.message]
        else:
            form = TokenForm(formdata=None)
            form.shop.choices = _token_scopes(user)
    status = 400 if form.errors else 200
    return render_template(
        "tenants/tokens.html",
        form=form,
        created=created,
        tokens=services.tokens_of(user),
        revoke_form=EmptyForm(),
    ), status


def _token_scopes(user: User) -> list[Any]:
    if user.is_staff:
        return [SelectChoice("staff", gettext("My staff role (%(role)s)", role=user.staff_role))]
    return [SelectChoice(m.shop.slug, m.shop.name) for m in services.memberships_of(user)]


def _shop_for_token(user: User, choice: str | None) -> Shop | None:
    if user.is_staff:
        return None
    return enter_shop(user, choice or "").shop


@bp.post("/account/tokens/<token_id>/revoke")
@login_required
def revoke_token(token_id: str) -> Response:
    user = current_account()
    if not EmptyForm().validate_on_submit():
        abort(400)
    token = services.revoke_token(user, token_id, ip=client_ip())
    flash(gettext("The token “%(name)s” is revoked.", name=token.name), "info")
    return redirect(url_for("tenants.tokens"))


@bp.app_context_processor
def _layout_context() -> dict[str, Any]:
    return {
        "current_account": logged_in_user(),
        "locale_form": LocaleForm(formdata=None, next=request.full_path.rstrip("?")),
        "logout_form": EmptyForm(formdata=None),
        "membership": g.get("membership"),
    }
