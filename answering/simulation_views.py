"""Supervisors run the carrier simulator from the browser (the demo's button): the calls go
through the real endpoints in the background, and the report lands in the audit log.

Only where the carrier is our local simulator (no `TWILIO_AUTH_TOKEN`: the demo, a staging copy).
Simulated calls ring the shops' own numbers and become their call records, answer-rate figures and
review samples; on a service connected to the real carrier that would mix made-up calls into real
shops' records, so there the page says so and runs nothing. `flask answering simulate` stays, for
whoever runs it on purpose.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import BooleanField, IntegerField
from wtforms.validators import StopValidation

from answering.simulator.scenario import (
    Plan,
    SimulationRefused,
    numbers_to_dial,
    run,
    shops_outside_hours,
)
from tenants.auth import current_account, staff_required
from tenants.config import settings_from
from tenants.db import db, utcnow
from tenants.models import AuditEvent, StaffRole
from tenants.scheduler import in_system_scope
from tenants.services import audit
from tenants.web import client_ip

bp = Blueprint("simulation", __name__)
RUNNING = threading.Lock()  # one simulation at a time per process


def available() -> bool:
    """Whether simulated calls may be run from the page: only against the local carrier."""
    return settings_from(current_app.config).twilio_auth_token is None


@bp.app_context_processor
def _menu() -> dict[str, bool]:
    return {"simulation_available": available()}


class WholeNumber:
    """One message for anything but a whole number in range (empty, letters, too big or small),
    instead of the field's own 'not a valid integer' next to the range's."""

    def __init__(self, low: int, high: int) -> None:
        self.min, self.max = low, high  # the page's input limits read these

    def __call__(self, form: FlaskForm, field: IntegerField) -> None:
        if field.data is None or not self.min <= field.data <= self.max:
            field.errors.clear()
            raise StopValidation(
                gettext(
                    "Enter a whole number from %(low)d to %(high)d.", low=self.min, high=self.max
                )
            )


class SimulationForm(FlaskForm):
    calls = IntegerField(_l("Number of calls"), default=30, validators=[WholeNumber(1, 500)])
    operators = IntegerField(_l("Simulated operators"), default=4, validators=[WholeNumber(1, 40)])
    concurrency = IntegerField(
        _l("Callers on the line at once"), default=6, validators=[WholeNumber(1, 50)]
    )
    callback_share = IntegerField(
        _l("Callers who ask for a callback, in percent"),
        default=0,
        validators=[WholeNumber(0, 100)],
    )
    lose_share = IntegerField(
        _l("Callbacks the carrier loses, in percent"), default=0, validators=[WholeNumber(0, 100)]
    )
    duplicate = BooleanField(_l("Send every callback twice"))
    shuffle = BooleanField(_l("Deliver callbacks late and out of order"))


def _runs() -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.in_(("simulation.finished", "simulation.refused")))
            .order_by(AuditEvent.at.desc())
            .limit(10)
        )
    )


@bp.route("/staff/simulation", methods=["GET", "POST"])
@staff_required(StaffRole.SUPERVISOR, StaffRole.ADMIN)
def page() -> str | Response | tuple[str, int]:
    form = SimulationForm()
    if not available():
        shown = render_template(
            "answering/simulation.html",
            form=None,
            runs=_runs(),
            running=False,
            refusal_text=refusal_text,
        )
        return shown, 403 if request.method == "POST" else 200
    if form.validate_on_submit():
        plan = Plan(
            calls=form.calls.data or 1,
            concurrency=form.concurrency.data or 1,
            operators=form.operators.data or 1,
            duplicate_callbacks=form.duplicate.data,
            shuffle_callbacks=form.shuffle.data,
            callback_share=(form.callback_share.data or 0) / 100,
            lose_callbacks=(form.lose_share.data or 0) / 100,
        )
        try:
            numbers_to_dial(plan)  # read in this request's own transaction (staff: every shop)
        except SimulationRefused as refused:  # said now, and nothing was started or changed
            flash(refusal_text(refused.code, refused.count, str(refused)), "error")
            return redirect(url_for("simulation.page"))
        if not RUNNING.acquire(blocking=False):
            flash(
                gettext("A simulation is running already; its report will appear below."), "error"
            )
            return redirect(url_for("simulation.page"))
        actor = current_account().id
        audit(
            "simulation.started",
            actor=current_account(),
            ip=client_ip(),
            detail={"calls": plan.calls},
        )
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        threading.Thread(target=_run, args=(app, plan, actor), daemon=True).start()
        flash(gettext("The simulation has started; reload this page for its report."), "info")
        return redirect(url_for("simulation.page"))
    status = 400 if form.errors else 200
    outside, with_numbers = shops_outside_hours(utcnow())
    return render_template(
        "answering/simulation.html",
        form=form,
        outside_hours=outside,
        none_in_hours=bool(with_numbers) and len(outside) == with_numbers,
        runs=_runs(),
        running=RUNNING.locked(),
        refusal_text=refusal_text,
    ), status


def refusal_text(code: str, count: int, reason: str) -> str:
    """Why a simulation did not start, in the reader's language (flash and run history)."""
    if code == "operators_ready":
        return str(
            gettext(
                "Not started: %(count)d operators are ready and would be rung. Ask them to go "
                "offline or not ready on the operators board, then run it again.",
                count=count,
            )
        )
    if code == "no_numbers":
        return str(
            gettext("Not started: no shop rents a phone number yet. Rent one to a shop first.")
        )
    return str(gettext("Not started: %(reason)s", reason=reason))


def _run(app: Any, plan: Plan, actor_id: uuid.UUID) -> None:
    outcome: tuple[str, dict[str, object]]
    try:
        try:
            report = run(app, plan)
        except SimulationRefused as refused:
            detail = {"reason": str(refused), "code": refused.code, "count": refused.count}
            outcome = ("simulation.refused", detail)
        else:
            outcome = (
                "simulation.finished",
                {
                    "report": "\n".join(report.lines()),
                    "placed": report.placed,
                    "offered": report.offered,
                    "answered": report.answered,
                    "abandoned": report.abandoned,
                    "short_abandoned": report.short_abandoned,
                    "callbacks_asked": sum(report.callbacks.values()),
                    # the audit keeps flat text: one entry per result of the calls
                    **{f"outcome.{key}": n for key, n in report.outcomes.items()},
                    "complete": report.complete,
                    "incomplete": len(report.incomplete),
                    # which, and what is wrong with each (the audit keeps flat text)
                    "incomplete_calls": "\n".join(report.incomplete[:20]),
                    "double_booked": report.double_booked,
                    "repaired": report.repaired,
                    "requests": report.requests,
                    "seconds": round(report.seconds, 1),
                },
            )
        with in_system_scope(app):
            event = audit(outcome[0], actor=None, detail=outcome[1])
            event.actor_user_id = actor_id
    finally:
        RUNNING.release()
