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
from scheduling.shifts import LabourRules
from tenants.auth import staff_required
from tenants.db import db
from tenants.models import StaffRole

bp = Blueprint(
    "shift_patterns", __name__, url_prefix="/staff/workforce/patterns", template_folder="templates"
)

SUPERVISORS = (StaffRole.SUPERVISOR, StaffRole.ADMIN)


def _page(
    refused: patterns.PatternRefused | None = None,
    *,
    failed: str | None = None,
    typed: dict[str, str] | None = None,
) -> tuple[str, int]:
    """The page; after a refusal, the form that failed (`new` or a pattern's id) is shown again
    with what was typed and the message beside the entry to correct."""
    return render_template(
        "scheduling/patterns.html",
        patterns=patterns.all_patterns(),
        effective_break=patterns.effective_break,
        hours_text=patterns.hours_text,
        daily_limit=LabourRules().max_daily_hours * 60,
        failed=failed,
        typed=typed or {},
        refused=refused,
    ), 400 if refused else 200


@bp.get("/")
@staff_required(*SUPERVISORS)
def index() -> tuple[str, int]:
    return _page()


def minutes_of(text: str | None, what: str) -> int:
    """`8`, `7.5`, `7:30` or `7時間30分` hours → minutes; `45` minutes when `what` is minutes."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    if what == "minutes":
        if not re.fullmatch(r"\d{1,3}", value):
            raise patterns.PatternRefused("break", gettext("Give the break in minutes, e.g. 60."))
        return int(value)
    clock = re.fullmatch(r"(\d{1,2})(?::|時間)(\d{1,2})分?", value)
    if clock:
        return int(clock[1]) * 60 + int(clock[2])
    if re.fullmatch(r"\d{1,2}(\.\d{1,2})?(時間)?", value):
        return round(float(value.removesuffix("時間")) * 60)
    raise patterns.PatternRefused("work", gettext("Give the worked time in hours, e.g. 8 or 7:30."))


def start_of(text: str | None) -> int | None:
    value = unicodedata.normalize("NFKC", text or "").strip()
    if not value:
        return None
    found = re.fullmatch(r"(\d{1,2}):(\d{2})", value)
    if found is None or int(found[1]) > 23 or int(found[2]) > 59:
        raise patterns.PatternRefused("start", gettext("Times are written as 09:00."))
    return int(found[1]) * 60 + int(found[2])


def typed_fields() -> dict[str, str]:
    """What was typed into the pattern form, kept to show again after a refusal."""
    return {field: request.form.get(field, "")[:100] for field in patterns.FIELDS}


def fields(typed: dict[str, str]) -> tuple[str, int, int, int | None]:
    return (
        typed["name"],
        minutes_of(typed["work"], "hours"),
        minutes_of(typed["break"] or "0", "minutes"),
        start_of(typed["start"]),
    )


@bp.post("/")
@staff_required(*SUPERVISORS)
def create() -> Response | tuple[str, int]:
    typed = typed_fields()
    try:
        created = patterns.create_pattern(*fields(typed))
    except patterns.PatternRefused as refused:
        return _page(refused, failed="new", typed=typed)
    flash(gettext("Pattern %(name)s saved.", name=created.name), "info")
    return redirect(url_for("shift_patterns.index"))


def pattern_or_404(pattern_id: uuid.UUID) -> ShiftPattern:
    found = db.session.get(ShiftPattern, pattern_id)
    if found is None:
        abort(404)
    return found


@bp.post("/<uuid:pattern_id>")
@staff_required(*SUPERVISORS)
def update(pattern_id: uuid.UUID) -> Response | tuple[str, int]:
    pattern = pattern_or_404(pattern_id)
    typed = typed_fields()
    try:
        patterns.update_pattern(pattern, *fields(typed))
    except patterns.PatternRefused as refused:
        return _page(refused, failed=str(pattern.id), typed=typed)
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
