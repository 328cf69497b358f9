"""`/staff/calls/`: every shop's call records for supervisors and admins, filtered and paged, and
one call's page with its timestamps, recording, control log and message."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, render_template, request, url_for
from werkzeug.wrappers import Response

from answering import history, recordings, staff_calls
from answering.console_views import control_text
from answering.messages import disposition_labels
from tenants.auth import staff_required
from tenants.models import StaffRole

bp = Blueprint("staff_calls", __name__, template_folder="templates")
READERS = (StaffRole.SUPERVISOR, StaffRole.ADMIN)


@bp.get("/staff/calls/")
@staff_required(*READERS)
def calls() -> str:
    offered = staff_calls.choices()
    filters, problems = staff_calls.parse_filters(request.args, offered)
    asked, refused = history.asked_page(request.args.get("page"))
    page, past_the_end = staff_calls.calls(filters, asked)
    problems += [problem for problem in (refused, past_the_end) if problem]
    args: dict[str, Any] = filters.as_args()
    return render_template(
        "answering/staff_calls.html",
        page=page,
        filters=filters,
        problems=problems,
        choices=offered,
        page_url=lambda n: url_for("staff_calls.calls", page=n, **args),
        wait_s=staff_calls.wait_s,
        talk_s=history.talk_s,
    )


@bp.get("/staff/calls/<call_id>")
@staff_required(*READERS)
def call(call_id: str) -> str:
    return render_template(
        "answering/staff_call.html",
        found=staff_calls.detail(call_id),
        back_url=_back_to_list(request.args.get("back", "")),
        wait_s=staff_calls.wait_s,
        talk_s=history.talk_s,
        control_text=control_text,
        dispositions=disposition_labels(),
    )


def _back_to_list(given: str) -> str:
    """The list page the reader came from, filters and page kept; only ever our own list."""
    home = url_for("staff_calls.calls")
    parsed = urlsplit(given)
    if parsed.scheme or parsed.netloc or parsed.path != home or len(given) > 2000:
        return home
    return f"{home}?{parsed.query}" if parsed.query else home


@bp.get("/staff/calls/<call_id>/recording.mp3")
@staff_required(*READERS)
def recording(call_id: str) -> Response:
    """Any shop's recording, with range requests so the player can seek."""
    return recordings.served(staff_calls.call_of(call_id))
