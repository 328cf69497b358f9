"""Supervisors' workforce pages (teams, skills, availability and leave, the week of a queue and its
roster) and the operator's own shifts."""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from scheduling import queues, roster_builds, rosters, services, tasks, weekview
from scheduling.models import (
    Campaign,
    OperatorAvailability,
    OperatorLeave,
    RosterBuild,
    RosteredShift,
    Team,
    TeamMember,
)
from tenants.auth import current_account, staff_required
from tenants.db import db, utcnow
from tenants.flashes import flash_in
from tenants.models import StaffRole, User

bp = Blueprint("workforce", __name__, url_prefix="/staff/workforce", template_folder="templates")
my_shifts_bp = Blueprint("my_shifts", __name__)

SUPERVISORS = (StaffRole.SUPERVISOR, StaffRole.ADMIN)
TOKYO = ZoneInfo("Asia/Tokyo")


@bp.get("/")
@staff_required(*SUPERVISORS)
def index() -> str:
    teams = db.session.scalars(select(Team).order_by(Team.name)).all()
    in_teams = select(TeamMember.user_id)
    free = db.session.scalars(
        select(User)
        .where(
            User.staff_role == StaffRole.OPERATOR,
            User.is_active.is_(True),
            User.id.not_in(in_teams),
        )
        .order_by(User.display_name, User.email)
    ).all()
    leaders = db.session.scalars(
        select(User)
        .where(User.staff_role.in_(SUPERVISORS), User.is_active.is_(True))
        .order_by(User.display_name)
    ).all()
    return render_template(
        "scheduling/index.html",
        teams=teams,
        queues=planning_queues(),
        free=free,
        leaders=leaders,
    )


def planning_queues() -> list[tuple[str, bool]]:
    """Every queue to plan for, with whether it has call history yet: the queues staff made,
    then any key that only imported history names."""
    recorded = set(weekview.queues())
    made = [queue.key for queue in queues.all_queues()]
    return [(key, key in recorded) for key in made + sorted(recorded - set(made))]


@bp.post("/teams")
@staff_required(*SUPERVISORS)
def create_team() -> Response:
    """A new team of 8–12 operators not yet in a team, with its leader."""
    chosen = {uuid_or_none(v) for v in request.form.getlist("operator_id")} - {None}
    people = list(db.session.scalars(select(User).where(User.id.in_(chosen)))) if chosen else []
    if len(people) != len(chosen):
        abort(404)
    leader_id = uuid_or_none(request.form.get("leader_id", ""))
    leader = db.session.get(User, leader_id) if leader_id else None
    try:
        team = services.create_team(request.form.get("name", ""), leader=leader, operators=people)
    except services.TeamRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("workforce.index"))
    flash(gettext("Team %(name)s created.", name=team.name), "info")
    return redirect(url_for("workforce.team", team_id=team.id))


@bp.get("/teams/<uuid:team_id>")
@staff_required(*SUPERVISORS)
def team(team_id: uuid.UUID) -> str:
    found = db.session.get(Team, team_id)
    if found is None:
        abort(404)
    members = sorted((m.user for m in found.members), key=lambda u: (u.display_name, u.email))
    return render_template(
        "scheduling/team.html",
        team=found,
        queue_choices=[(q.key, q.name) for q in queues.all_queues()],
        members=[
            (
                user,
                rosters.skills_of(user),
                rosters.availability_of(user),
                rosters.leave_of(user),
            )
            for user in members
        ],
        weekdays=weekday_names(),
    )


@bp.app_template_filter("local_time")
def local_time(value: datetime, tz: str = "Asia/Tokyo") -> str:
    return value.astimezone(ZoneInfo(tz)).strftime("%H:%M")


@bp.app_template_filter("local_day")
def local_day(value: date | datetime, tz: str = "Asia/Tokyo") -> str:
    """`1月25日(月)` in Japanese, `Mon, Jan 25` in English (the day in the queue's zone)."""
    day = value.astimezone(ZoneInfo(tz)).date() if isinstance(value, datetime) else value
    return str(format_date(day, gettext("M/d (EEE)")))


def weekday_names() -> list[str]:
    return [
        gettext("Monday"),
        gettext("Tuesday"),
        gettext("Wednesday"),
        gettext("Thursday"),
        gettext("Friday"),
        gettext("Saturday"),
        gettext("Sunday"),
    ]


def operator_or_404(user_id: uuid.UUID) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.staff_role != StaffRole.OPERATOR:
        abort(404)
    return user


def back_to_team(user: User) -> Response:
    team_id = db.session.scalar(select(TeamMember.team_id).where(TeamMember.user_id == user.id))
    if team_id is None:
        return redirect(url_for("workforce.index"))
    # The page opens at the operator's row, which shows the message (flash_in).
    return redirect(url_for("workforce.team", team_id=team_id, _anchor=f"op-{user.id}"))


@bp.post("/operators/<uuid:user_id>/skills")
@staff_required(*SUPERVISORS)
def skills(user_id: uuid.UUID) -> Response:
    user = operator_or_404(user_id)
    try:
        rosters.set_skills(user, request.form.getlist("queue"))
    except rosters.WorkforceRefused as refused:
        flash_in(f"op-{user.id}", str(refused), "error")
    else:
        flash_in(
            f"op-{user.id}", gettext("Skills of %(name)s saved.", name=user.display_name), "info"
        )
    return back_to_team(user)


def parse_clock(text: str | None) -> time | None:
    """`09:00` → 09:00; `24:00` → None (midnight at the end of the day)."""
    found = re.fullmatch(r"(\d{1,2}):(\d{2})", unicodedata.normalize("NFKC", text or "").strip())
    if found is None:
        raise rosters.WorkforceRefused(gettext("Times are written as 09:00."))
    hour, minute = int(found[1]), int(found[2])
    if (hour, minute) == (24, 0):
        return None
    if hour > 23 or minute > 59:
        raise rosters.WorkforceRefused(gettext("Times are written as 09:00."))
    return time(hour, minute)


@bp.post("/operators/<uuid:user_id>/availability")
@staff_required(*SUPERVISORS)
def add_availability(user_id: uuid.UUID) -> Response:
    user = operator_or_404(user_id)
    try:
        weekday = int(request.form.get("weekday", ""))
        start = parse_clock(request.form.get("start"))
        if start is None:
            raise rosters.WorkforceRefused(gettext("A window starts before 24:00."))
        rosters.add_availability(user, weekday, start, parse_clock(request.form.get("end")))
    except ValueError as refused:
        message = str(refused) if isinstance(refused, rosters.WorkforceRefused) else None
        flash_in(f"op-{user.id}", message or gettext("Choose a day of the week."), "error")
    else:
        flash_in(
            f"op-{user.id}",
            gettext("Availability of %(name)s saved.", name=user.display_name),
            "info",
        )
    return back_to_team(user)


@bp.post("/operators/<uuid:user_id>/availability/<uuid:entry_id>/delete")
@staff_required(*SUPERVISORS)
def delete_availability(user_id: uuid.UUID, entry_id: uuid.UUID) -> Response:
    user = operator_or_404(user_id)
    entry = db.session.get(OperatorAvailability, entry_id)
    if entry is None or entry.user_id != user.id:
        abort(404)
    db.session.delete(entry)
    return back_to_team(user)


@bp.post("/operators/<uuid:user_id>/leave")
@staff_required(*SUPERVISORS)
def add_leave(user_id: uuid.UUID) -> Response:
    user = operator_or_404(user_id)
    try:
        first = date.fromisoformat(request.form.get("first_day", ""))
        last = date.fromisoformat(request.form.get("last_day", "") or first.isoformat())
        rosters.add_leave(user, first, last, request.form.get("note"))
    except ValueError as refused:
        message = str(refused) if isinstance(refused, rosters.WorkforceRefused) else None
        flash_in(f"op-{user.id}", message or gettext("Dates are written as 2026-12-01."), "error")
    else:
        flash_in(
            f"op-{user.id}", gettext("Leave of %(name)s saved.", name=user.display_name), "info"
        )
    return back_to_team(user)


@bp.post("/operators/<uuid:user_id>/leave/<uuid:entry_id>/delete")
@staff_required(*SUPERVISORS)
def delete_leave(user_id: uuid.UUID, entry_id: uuid.UUID) -> Response:
    user = operator_or_404(user_id)
    entry = db.session.get(OperatorLeave, entry_id)
    if entry is None or entry.user_id != user.id:
        abort(404)
    db.session.delete(entry)
    return back_to_team(user)


# --- a queue's week -------------------------------------------------------------------------


def queue_or_404(queue: str) -> str:
    """A queue staff made, or one with call history (imported history may name no queue)."""
    if queues.get(queue) is None and queue not in weekview.queues():
        abort(404)
    return queue


def week_arguments(queue: str, source: dict[str, str]) -> tuple[date, ZoneInfo]:
    """The week (a date; its Monday) and time zone a request names; 400 when malformed."""
    try:
        tz = ZoneInfo(source.get("tz") or "Asia/Tokyo")
    except (ZoneInfoNotFoundError, ValueError):
        abort(400, gettext("Unknown time zone."))
    text = source.get("week")
    if text:
        try:
            chosen = date.fromisoformat(text)
        except ValueError:
            abort(400, gettext("Dates are written as 2026-12-01."))
        if not date(1900, 1, 1) <= chosen <= date(2200, 1, 1):
            abort(400, gettext("Dates are written as 2026-12-01."))
    else:
        chosen = datetime.now(tz).date()
        last = weekview.last_recorded_day(queue, tz)
        if last is not None and last < chosen - timedelta(weeks=4):
            chosen = last + timedelta(days=1)  # an imported history: the week after it
    return chosen - timedelta(days=chosen.weekday()), tz


@bp.get("/queues/<queue>")
@staff_required(*SUPERVISORS)
def week(queue: str) -> str:
    queue_or_404(queue)
    first_day, tz = week_arguments(queue, request.args.to_dict())
    build = roster_builds.latest_build(queue, first_day)
    try:
        view = weekview.week_view(queue, first_day, tz)
    except LookupError:
        return render_template(
            "scheduling/week.html",
            queue=queue,
            first_day=first_day,
            tz=tz,
            view=None,
            build=build,
            build_short=[],
            build_stale=build is not None
            and build.requested_at < utcnow() - roster_builds.STALE_BUILD,
        )
    rows = view.rows
    calls_top = max([1.0, *(r.high for r in rows), *(r.actual or 0 for r in rows)])
    agents_top = float(max([1, *(r.scheduled for r in rows), *(r.rostered for r in rows)]))
    chart = {
        "width": 672,
        "height": 160,
        "calls_top": calls_top,
        "agents_top": agents_top,
        "forecast": weekview.chart_points([r.forecast for r in rows], calls_top, 672, 160),
        "band": weekview.chart_points([r.high for r in rows], calls_top, 672, 160)
        + " "
        + " ".join(
            reversed(weekview.chart_points([r.low for r in rows], calls_top, 672, 160).split())
        ),
        "actual": weekview.chart_points([r.actual or 0 for r in rows], calls_top, 672, 160)
        if view.has_actuals
        else "",
        "required": weekview.step_points([r.scheduled for r in rows], agents_top, 672, 160),
        "rostered": weekview.step_points([r.rostered for r in rows], agents_top, 672, 160),
    }
    return render_template(
        "scheduling/week.html",
        queue=queue,
        first_day=first_day,
        tz=tz,
        view=view,
        chart=chart,
        totals=weekview.day_totals(rows, tz),
        teams=db.session.scalars(select(Team).order_by(Team.name)).all(),
        operators=rosters.operators_for(queue),
        patterns=rosters.active_patterns(),
        campaigns=rosters.campaigns_between(queue, first_day, first_day + timedelta(weeks=8)),
        previous_week=first_day - timedelta(weeks=1),
        next_week=first_day + timedelta(weeks=1),
        build=build,
        build_short=tasks.parse_spans(build.outcome if build else None),
        build_stale=build is not None and build.requested_at < utcnow() - roster_builds.STALE_BUILD,
    )


@bp.post("/queues/<queue>/roster")
@staff_required(*SUPERVISORS)
def generate(queue: str) -> Response:
    """Ask for the week's roster: a job builds it, the week page shows it building, then the
    result or what stood in the way."""
    queue_or_404(queue)
    first_day, tz = week_arguments(queue, request.form.to_dict())
    chosen = [uuid_or_none(v) for v in request.form.getlist("team_id")]
    teams = [t for t in db.session.scalars(select(Team)) if t.id in chosen]
    target = url_for("workforce.week", queue=queue, week=first_day.isoformat(), tz=tz.key)
    if not teams:
        flash(gettext("Choose the teams to roster."), "error")
        return redirect(target)
    if not rosters.operators_for(queue, teams):
        flash(
            gettext(
                "No operator of these teams has the skill %(queue)s.",
                queue=queues.label(queue),
            ),
            "error",
        )
        return redirect(target)
    try:
        roster_builds.ask_for_roster(
            queue,
            first_day,
            tz,
            teams,
            pooled=bool(request.form.get("pooled")),
            actor=current_account(),
        )
    except rosters.WorkforceRefused as refused:
        flash(str(refused), "error")
    return redirect(target + "#build")


@bp.get("/queues/<queue>/builds/<uuid:build_id>")
@staff_required(*SUPERVISORS)
def build_status(queue: str, build_id: uuid.UUID) -> Response:
    """Where a roster build is (the week page asks until it is done)."""
    build = db.session.get(RosterBuild, build_id)
    if build is None or build.queue != queue:
        abort(404)
    return jsonify({"state": build.state, "outcome": build.outcome})


@bp.post("/queues/<queue>/campaigns")
@staff_required(*SUPERVISORS)
def add_campaign(queue: str) -> Response:
    queue_or_404(queue)
    first_day, tz = week_arguments(queue, request.form.to_dict())
    target = url_for("workforce.week", queue=queue, week=first_day.isoformat(), tz=tz.key)
    try:
        day = date.fromisoformat(request.form.get("day", ""))
        multiplier = float(unicodedata.normalize("NFKC", request.form.get("multiplier", "")))
    except ValueError:
        flash(gettext("Give the day and the expected multiplier of calls (e.g. 1.5)."), "error")
        return redirect(target)
    try:
        rosters.add_campaign(
            queue, day, multiplier, request.form.get("note"), actor=current_account()
        )
    except rosters.WorkforceRefused as refused:
        flash(str(refused), "error")
    else:
        flash(gettext("Campaign day saved: the forecast of that day is raised."), "info")
    return redirect(target)


@bp.post("/queues/<queue>/campaigns/<uuid:campaign_id>/delete")
@staff_required(*SUPERVISORS)
def delete_campaign(queue: str, campaign_id: uuid.UUID) -> Response:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.queue != queue:
        abort(404)
    first_day, tz = week_arguments(queue, request.form.to_dict())
    db.session.delete(campaign)
    return redirect(url_for("workforce.week", queue=queue, week=first_day.isoformat(), tz=tz.key))


def shift_of_queue(queue: str, shift_id: uuid.UUID) -> RosteredShift:
    shift = db.session.get(RosteredShift, shift_id)
    if shift is None or shift.roster.queue != queue:
        abort(404)
    return shift


@bp.post("/queues/<queue>/shifts/<uuid:shift_id>")
@staff_required(*SUPERVISORS)
def adjust_shift(queue: str, shift_id: uuid.UUID) -> Response:
    """Give a rostered shift to another operator, leave it open, or remove it."""
    shift = shift_of_queue(queue, shift_id)
    roster = shift.roster
    target = url_for("workforce.week", queue=queue, week=roster.first_day.isoformat(), tz=roster.tz)
    if request.form.get("action") == "remove":
        rosters.remove_shift(shift)
        flash(gettext("Shift removed."), "info")
        return redirect(target + "#roster")
    chosen = uuid_or_none(request.form.get("operator_id", ""))
    operator = operator_or_404(chosen) if chosen else None
    try:
        rosters.reassign(shift, operator)
    except rosters.WorkforceRefused as refused:
        flash(str(refused), "error")
    else:
        flash(gettext("Shift changed."), "info")
    return redirect(target + "#roster")


@bp.post("/queues/<queue>/shifts")
@staff_required(*SUPERVISORS)
def add_shift(queue: str) -> Response:
    queue_or_404(queue)
    first_day, tz = week_arguments(queue, request.form.to_dict())
    target = url_for("workforce.week", queue=queue, week=first_day.isoformat(), tz=tz.key)
    roster = rosters.latest_roster(queue, first_day)
    if roster is None:
        abort(404)
    patterns = {p.name: p for p in rosters.active_patterns()}
    try:
        day = date.fromisoformat(request.form.get("day", ""))
        start = parse_clock(request.form.get("start"))
        pattern = patterns.get(request.form.get("pattern", ""))
        if start is None or pattern is None:
            raise rosters.WorkforceRefused(gettext("Give the day, the start and the pattern."))
        rosters.add_shift(roster, day, start, pattern)
    except ValueError as refused:
        message = str(refused) if isinstance(refused, rosters.WorkforceRefused) else None
        flash(message or gettext("Dates are written as 2026-12-01."), "error")
    else:
        flash(gettext("Shift added: give it to an operator below."), "info")
    return redirect(target + "#roster")


def uuid_or_none(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


# --- the operator's own shifts ------------------------------------------------------------------


@my_shifts_bp.get("/console/shifts")
@staff_required(StaffRole.OPERATOR)
def mine() -> str:
    shifts = rosters.upcoming_shifts(current_account(), utcnow())
    return render_template("scheduling/my_shifts.html", shifts=shifts)
