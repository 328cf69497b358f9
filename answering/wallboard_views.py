"""`/staff/wallboard`: the live board for a wall screen (supervisors and admins). The page redraws
its board every few seconds from `/staff/wallboard/board` (plain script; a meta refresh without
it); `/staff/wallboard.json` serves the same figures to other screens."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, render_template
from werkzeug.wrappers import Response

from answering import reports, wallboard
from tenants.auth import staff_required
from tenants.config import settings_from
from tenants.db import utcnow
from tenants.models import StaffRole

bp = Blueprint("wallboard", __name__, template_folder="templates")

REFRESH_S = 5


def _context() -> dict[str, Any]:
    settings = settings_from(current_app.config)
    return {
        "board": wallboard.board(utcnow(), settings.sl_threshold_s),
        "settings": settings,
        "refresh_s": REFRESH_S,
        "target": reports.TARGET,
    }


@bp.get("/staff/wallboard")
@staff_required(StaffRole.SUPERVISOR, StaffRole.ADMIN)
def page() -> str:
    return render_template("answering/wallboard.html", **_context())


@bp.get("/staff/wallboard/board")
@staff_required(StaffRole.SUPERVISOR, StaffRole.ADMIN)
def fragment() -> str:
    return render_template("answering/_wallboard_board.html", **_context())


@bp.get("/staff/wallboard.json")
@staff_required(StaffRole.SUPERVISOR, StaffRole.ADMIN)
def as_json() -> Response:
    settings = settings_from(current_app.config)
    return jsonify(wallboard.board(utcnow(), settings.sl_threshold_s).as_dict())
