"""The coverage pages of the shop portal: the weekly editor, closures, 臨時休業, preview and history."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from tenants.auth import current_account, login_required, shop_of_account
from tenants.coverage import services
from tenants.coverage.schedule import (
    HOLIDAY_MODES,
    TEMPLATES,
    TOKYO,
    format_day,
    weekday_name,
)
from tenants.i18n import format_day as day_label
from tenants.models import ShopMembership, ShopRole
from tenants.services import ValidationFailed
from tenants.web import client_ip

bp = Blueprint("coverage", __name__, url_prefix="/shops/<slug>/coverage")

Page = str | Response | tuple[str, int]


def _parse_date(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        parsed = date.fromisoformat(raw)
    except ValueError:
        return None
    return parsed if 1900 <= parsed.year <= 2200 else None


def _form_from_version(membership: ShopMembership) -> dict[str, Any]:
    row = services.current_version(membership.shop_id)
    days = {d: "" for d in range(7)}
    mode, holiday = "as_weekday", ""
    if row is not None:
        for key, bands in row.week.items():
            days[int(key)] = format_day(tuple((s, e) for s, e in bands))
        mode = row.holiday_mode
        holiday = format_day(tuple((s, e) for s, e in row.holiday_bands))
    return {
        "days": days,
        "holiday_mode": mode,
        "holiday_bands": holiday,
        "effective_from": services.today_in_tokyo().isoformat(),
    }


def _form_from_request() -> dict[str, Any]:
    return {
        "days": {d: request.form.get(f"day_{d}", "")[:200] for d in range(7)},
        "holiday_mode": request.form.get("holiday_mode", "as_weekday"),
        "holiday_bands": request.form.get("holiday_bands", "")[:200],
        "effective_from": request.form.get("effective_from", ""),
    }


def _render(
    membership: ShopMembership, form: dict[str, Any], errors: dict[str, str], status: int = 200
) -> tuple[str, int]:
    shop_id = membership.shop_id
    now = datetime.now(TOKYO)
    month = _parse_month(request.args.get("month")) or (now.year, now.month)
    check = _check_result(shop_id)
    return render_template(
        "coverage/editor.html",
        shop=membership.shop,
        membership=membership,
        can_edit=membership.role == ShopRole.OWNER,
        form=form,
        errors=errors,
        weekday_name=weekday_name,
        weekly_minutes=services.weekly_minutes,
        holiday_modes=HOLIDAY_MODES,
        templates=TEMPLATES,
        covered_now=services.is_covered(shop_id, now),
        next_change=services.next_change(shop_id, now),
        emergency=services.active_emergency(shop_id),
        closures=services.closures(shop_id),
        versions=services.versions(shop_id)[:20],
        calendar=services.month_calendar(shop_id, *month),
        month=month,
        check=check,
        today=services.today_in_tokyo(),
    ), status


def _parse_month(raw: str | None) -> tuple[int, int] | None:
    try:
        year, month = (int(p) for p in (raw or "").split("-"))
    except ValueError:
        return None
    return (year, month) if 2000 <= year <= 2100 and 1 <= month <= 12 else None


def _check_result(shop_id: Any) -> dict[str, Any] | None:
    day = _parse_date(request.args.get("check_date"))
    if day is None:
        return None
    try:
        at_time = time.fromisoformat(request.args.get("check_time") or "00:00")
    except ValueError:
        return {"error": gettext("Enter a time like 10:30.")}
    at = datetime.combine(day, at_time, TOKYO)
    return {"at": at, "covered": services.is_covered(shop_id, at)}


@bp.get("/")
@login_required
def editor(slug: str) -> Page:
    membership = shop_of_account(slug)
    return _render(membership, _form_from_version(membership), {})


@bp.post("/")
@login_required
def save(slug: str) -> Page:
    membership = shop_of_account(slug, owner=True)
    form = _form_from_request()
    template = request.form.get("template")
    if template:
        if template not in TEMPLATES:
            abort(400)
        form["days"] = {d: format_day(TEMPLATES[template].get(d, ())) for d in range(7)}
        return _render(membership, form, {})
    effective = _parse_date(form["effective_from"])
    if form["effective_from"] and effective is None:
        return _render(membership, form, {"effective_from": gettext("Enter a date.")}, 400)
    given = services.WeekInput(
        {d: form["days"][d] for d in range(7)},
        form["holiday_mode"],
        form["holiday_bands"],
        effective,
    )
    try:
        row = services.save_version(membership.shop, current_account(), given)
    except ValidationFailed as failure:
        return _render(membership, form, {failure.field: failure.message}, 400)
    flash(
        gettext("Saved. These hours apply from %(day)s.", day=day_label(row.effective_from)),
        "info",
    )
    return redirect(url_for("coverage.editor", slug=slug))


@bp.post("/closures")
@login_required
def add_closure(slug: str) -> Page:
    membership = shop_of_account(slug, owner=True)
    preset = request.form.get("preset")
    today = services.today_in_tokyo()
    if preset == "year_end":
        starts, ends, reason, yearly = (
            date(today.year, 12, 29),
            date(today.year + 1, 1, 3),
            gettext("Year-end and New Year holidays"),
            True,
        )
    elif preset == "obon":
        starts, ends, reason, yearly = (
            date(today.year, 8, 13),
            date(today.year, 8, 16),
            gettext("Obon holidays"),
            True,
        )
    else:
        starts_on = _parse_date(request.form.get("starts_on"))
        ends_on = _parse_date(request.form.get("ends_on")) or starts_on
        if starts_on is None or ends_on is None:
            return _render(
                membership,
                _form_from_version(membership),
                {"closure": gettext("Enter the first and last day.")},
                400,
            )
        starts, ends = starts_on, ends_on
        reason = request.form.get("reason", "")
        yearly = request.form.get("every_year") == "on"
    try:
        services.add_closure(
            membership.shop, starts_on=starts, ends_on=ends, reason=reason, every_year=yearly
        )
    except ValidationFailed as failure:
        return _render(
            membership, _form_from_version(membership), {"closure": failure.message}, 400
        )
    flash(gettext("Closure added."), "info")
    return redirect(url_for("coverage.editor", slug=slug) + "#closures")


@bp.post("/closures/<closure_id>/delete")
@login_required
def remove_closure(slug: str, closure_id: str) -> Response:
    membership = shop_of_account(slug, owner=True)
    services.remove_closure(membership.shop, closure_id)
    flash(gettext("Closure removed."), "info")
    return redirect(url_for("coverage.editor", slug=slug) + "#closures")


@bp.post("/emergency")
@login_required
def start_emergency(slug: str) -> Page:
    membership = shop_of_account(slug, owner=True)
    try:
        services.start_emergency(
            membership.shop, current_account(), request.form.get("message", ""), client_ip()
        )
    except ValidationFailed as failure:
        return _render(
            membership, _form_from_version(membership), {"emergency": failure.message}, 400
        )
    flash(gettext("Emergency closure is on: callers hear your message."), "info")
    return redirect(url_for("coverage.editor", slug=slug))


@bp.post("/emergency/end")
@login_required
def end_emergency(slug: str) -> Response:
    membership = shop_of_account(slug, owner=True)
    services.end_emergency(membership.shop, current_account(), client_ip())
    flash(gettext("Emergency closure ended: we answer by your hours again."), "info")
    return redirect(url_for("coverage.editor", slug=slug))
