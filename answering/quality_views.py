"""Quality review pages: the review list and the weekly sample (supervisors and admins), one
review with its recording, script and scorecard, trends per operator and shop, and each operator's
own evaluations."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from answering import quality, quality_criteria, recordings
from answering.models import Call
from answering.quality_models import REVIEW_STATUSES, QaReview
from tenants.auth import current_account, staff_required
from tenants.coverage.services import today_in_tokyo
from tenants.db import db
from tenants.models import Shop, StaffRole, User
from tenants.numbers import services as numbers
from tenants.scoping import get_for_shop, parse_id
from tenants.web import client_ip

bp = Blueprint("quality", __name__, template_folder="templates")
REVIEWERS = (StaffRole.SUPERVISOR, StaffRole.ADMIN)


def _week(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        abort(400, gettext("Dates are written YYYY-MM-DD."))
    if not 2000 <= day.year <= 2200:
        abort(400, gettext("Dates are written YYYY-MM-DD."))
    return quality.week_of(day)


def _names() -> dict[Any, str]:
    people = {
        u.id: u.display_name
        for u in db.session.scalars(select(User).where(User.staff_role.is_not(None)))
    }
    shops = {s.id: s.name for s in db.session.scalars(select(Shop))}
    return {**people, **shops}


@bp.get("/staff/quality/")
@staff_required(*REVIEWERS)
def reviews() -> str:
    week = _week(request.args.get("week"))
    status = request.args.get("status") or None
    if status not in (None, *REVIEW_STATUSES):
        status = None
    operator = parse_id(request.args["operator"]) if request.args.get("operator") else None
    last_week = quality.week_of(today_in_tokyo()) - timedelta(days=7)
    return render_template(
        "answering/quality_list.html",
        rows=quality.reviews(week_start=week, status=status, operator_id=operator),
        operator=operator,
        week=week,
        status=status,
        last_week=last_week,
        sample_size=quality.sample_size(),
        names=_names(),
    )


@bp.post("/staff/quality/plan")
@staff_required(*REVIEWERS)
def set_plan() -> Response:
    try:
        size = int(request.form.get("sample_size", ""))
        quality.set_sample_size(size, current_account())
    except ValueError as refused:
        message = str(refused) if isinstance(refused, quality.ReviewRefused) else None
        flash(
            message or gettext("Choose a sample of 0 to %(n)d calls.", n=quality.MAX_SAMPLE),
            "error",
        )
    else:
        flash(gettext("Each operator's weekly sample is now %(n)d calls.", n=size), "success")
    return redirect(url_for("quality.reviews"))


@bp.post("/staff/quality/sample")
@staff_required(*REVIEWERS)
def sample() -> Response:
    week = _week(request.form.get("week"))
    if week is None or week > quality.week_of(today_in_tokyo()):
        abort(400, gettext("Choose a week that has begun."))
    added = quality.sample_week(week)
    flash(gettext("%(n)d calls added to the review list.", n=added), "success")
    return redirect(url_for("quality.reviews", week=week.isoformat()))


def _review(shop_id: str, review_id: str) -> tuple[QaReview, Call]:
    review = get_for_shop(QaReview, parse_id(shop_id), review_id)
    call = get_for_shop(Call, review.shop_id, review.call_id)
    return review, call


@bp.route("/staff/quality/<shop_id>/<review_id>", methods=["GET", "POST"])
@staff_required(*REVIEWERS)
def review(shop_id: str, review_id: str) -> Response | str | tuple[str, int]:
    found, call = _review(shop_id, review_id)
    error = None
    if request.method == "POST":
        try:
            quality.save_review(found, call, request.form, current_account())
        except quality.ReviewRefused as refused:
            error = str(refused)
        else:
            flash(gettext("Review saved: %(score)s", score=_score_text(found)), "success")
            return redirect(url_for("quality.reviews", week=found.week_start.isoformat()))
    script = quality.script_of(found)
    given = {item["key"]: item["verdict"] for item in found.items or []}
    page = render_template(
        "answering/quality_review.html",
        review=found,
        call=call,
        script=script,
        answers=quality.answers_for(script, call.menu_choice),
        criteria=quality.criteria_for(found, call),
        given=given if request.method == "GET" else dict(request.form),
        notes=request.form.get("coaching_notes", found.coaching_notes),
        error=error,
        names=_names(),
        national=numbers.national,
    )
    return (page, 400) if error else page


def _score_text(found: QaReview) -> str:
    if found.critical_failed:
        return str(gettext("failed (critical item)"))
    return f"{found.score:.1f}" if found.score is not None else "—"


@bp.get("/staff/quality/<shop_id>/<review_id>/recording.mp3")
@staff_required(*REVIEWERS)
def recording(shop_id: str, review_id: str) -> Response:
    """The recording with range requests, so the player can seek."""
    _, call = _review(shop_id, review_id)
    return recordings.served(call)


@bp.route("/staff/quality/criteria", methods=["GET", "POST"])
@staff_required(*REVIEWERS)
def criteria() -> Response | str | tuple[str, int]:
    """The shared scorecard items; a POST adds one."""
    if request.method == "POST":
        try:
            added = quality_criteria.add(request.form, current_account(), client_ip())
        except quality_criteria.CriterionRefused as refused:
            return _criteria_page(str(refused), adding=request.form), 400
        flash(gettext("“%(name)s” added to the scorecard.", name=added.label), "success")
        return redirect(url_for("quality.criteria"))
    return _criteria_page()


def _criteria_page(
    error: str | None = None,
    *,
    adding: Any = None,
    editing: Any = None,
    edited: str | None = None,
) -> str:
    return render_template(
        "answering/quality_criteria.html",
        in_use=quality_criteria.in_use(),
        retired=quality_criteria.retired(),
        error=error,
        adding=adding or {},
        editing=editing or {},
        edited=edited,
        max_weight=quality_criteria.MAX_WEIGHT,
    )


@bp.post("/staff/quality/criteria/<criterion_id>")
@staff_required(*REVIEWERS)
def change_criterion(criterion_id: str) -> Response | tuple[str, int]:
    """Rename, reweight or mark critical; `action=retire` or `action=restore` instead."""
    found = quality_criteria.get(criterion_id)
    action = request.form.get("action", "save")
    try:
        if action == "retire":
            quality_criteria.retire(found, current_account(), client_ip())
            message = gettext("“%(name)s” retired: reviewed calls keep it.", name=found.label)
        elif action == "restore":
            quality_criteria.restore(found, current_account(), client_ip())
            message = gettext("“%(name)s” is back on the scorecard.", name=found.label)
        else:
            quality_criteria.change(found, request.form, current_account(), client_ip())
            message = gettext("“%(name)s” saved.", name=found.label)
    except quality_criteria.CriterionRefused as refused:
        db.session.rollback()
        page = _criteria_page(str(refused), editing=request.form, edited=criterion_id)
        return page, 400
    flash(message, "success")
    return redirect(url_for("quality.criteria"))


@bp.get("/staff/quality/trends")
@staff_required(*REVIEWERS)
def trends() -> str:
    names = _names()
    tables = {}
    for by in ("operator", "shop"):
        rows = quality.trends(by)
        weeks = sorted({t.week_start for t in rows})
        grid: dict[Any, dict[date, quality.Trend]] = defaultdict(dict)
        for t in rows:
            grid[t.key][t.week_start] = t
        tables[by] = (weeks, sorted(grid.items(), key=lambda kv: names.get(kv[0], "")))
    return render_template("answering/quality_trends.html", tables=tables, names=names)


@bp.get("/console/evaluations")
@staff_required(StaffRole.OPERATOR)
def my_evaluations() -> str:
    """An operator's own reviewed calls, with the scorecard and coaching notes; never anyone else's."""
    me = current_account()
    rows = [(r, c) for r, c in quality.reviews(operator_id=me.id, status="reviewed")]
    return render_template("answering/quality_mine.html", rows=rows, names=_names())
