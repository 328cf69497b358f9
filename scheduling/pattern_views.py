"""Supervisors' shift patterns page: create, edit, retire and bring back the shifts the roster
builder may use."""

from __future__ import annotations

import re
import unicodedata
import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from scheduling import patterns
from scheduling.models import ShiftPattern
from scheduling.rosters import WorkforceRefused
from scheduling.shifts import LabourRules
from tenants.auth import staff_required
from tenants.db import db
from tenants.models import StaffRole

bp = Blueprint(
    "shift_patterns", __name__, url_prefix="/staff/workforce/patterns", template_folder="templates"
)

SUPERVISORS = (StaffRole.SUPERVISOR, StaffRole.ADMIN)


@bp.get("/")
@staff_required(*SUPERVISORS)
def index() -> str:
    return render_template(
        "scheduling/patterns.html",
        patterns=patterns.all_patterns(),
        effective_break=patterns.effective_break,
        hours_text=patterns.hours_text,
        daily_limit=LabourRules().max_daily_hours * 60,
    )


def minutes_of(text: str | None, what: str) -> int:
    """`8`, `7.5`, `7:30` or `7時間30分` hours → minutes; `45` minutes when `what` is minutes."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    if what == "minutes":
        if not re.fullmatch(r"\d{1,3}", value):
            raise WorkforceRefused(gettext("Give the break in minutes, e.g. 60."))
        return int(value)
    clock = re.fullmatch(r"(\d{1,2})(?::|時間)(\d{1,2})分?", value)
    if clock:
        return int(clock[1]) * 60 + int(clock[2])
    if re.fullmatch(r"\d{1,2}(\.\d{1,2})?(時間)?", value):
        return round(float(value.removesuffix("時間")) * 60)
    raise WorkforceRefused(gettext("Give the worked time in hours, e.g. 8 or 7:30."))


def start_of(text: str | None) -> int | None:
    value = unicodedata.normalize("NFKC", text or "").strip()
    if not value:
        return None
    found = re.fullmatch(r"(\d{1,2}):(\d{2})", value)
    if found is None or int(found[1]) > 23 or int(found[2]) > 59:
        raise WorkforceRefused(gettext("Times are written as 09:00."))
    return int(found[1]) * 60 + int(found[2])


def fields() -> tuple[str, int, int, int | None]:
    form = request.form
    return (
        form.get("name", ""),
        minutes_of(form.get("work"), "hours"),
        minutes_of(form.get("break") or "0", "minutes"),
        start_of(form.get("start")),
    )


@bp.post("/")
@staff_required(*SUPERVISORS)
def create() -> Response:
    try:
        created = patterns.create_pattern(*fields())
    except WorkforceRefused as refused:
        flash(str(refused), "error")
    else:
        flash(gettext("Pattern %(name)s saved.", name=created.name), "info")
    return redirect(url_for("shift_patterns.index"))


def pattern_or_404(pattern_id: uuid.UUID) -> ShiftPattern:
    found = db.session.get(ShiftPattern, pattern_id)
    if found is None:
        abort(404)
    return found


@bp.post("/<uuid:pattern_id>")
@staff_required(*SUPERVISORS)
def update(pattern_id: uuid.UUID) -> Response:
    pattern = pattern_or_404(pattern_id)
    try:
        patterns.update_pattern(pattern, *fields())
    except WorkforceRefused as refused:
        flash(str(refused), "error")
    else:
        flash(gettext("Pattern %(name)s saved.", name=pattern.name), "info")
    return redirect(url_for("shift_patterns.index") + f"#pattern-{pattern.id}")


@bp.post("/<uuid:pattern_id>/active")
@staff_required(*SUPERVISORS)
def set_active(pattern_id: uuid.UUID) -> Response:
    pattern = pattern_or_404(pattern_id)
    active = request.form.get("active") == "1"
    patterns.set_active(pattern, active)
    if active:
        flash(gettext("Pattern %(name)s is in use again.", name=pattern.name), "info")
    else:
        flash(
            gettext("Pattern %(name)s retired: new rosters do not use it.", name=pattern.name),
            "info",
        )
    return redirect(url_for("shift_patterns.index"))
