"""The operator's console (its first part: the operator's state) and the supervisors' board."""

from __future__ import annotations

import os
import uuid
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant
from werkzeug.wrappers import Response

from answering import (
    call_controls,
    callback_tasks,
    callbacks,
    faq_hits,
    messages,
    push_routing,
    routing,
)
from answering import console as console_cards
from answering.carrier_views import after_call, telephony
from answering.models import CallControl
from scheduling import agents
from scheduling.models import OPERATOR_STATES
from tenants.auth import current_account, staff_required
from tenants.config import settings_from
from tenants.db import db, utcnow
from tenants.models import StaffRole, User
from tenants.scoping import parse_id

bp = Blueprint("console", __name__)


def state_name(state: str) -> str:
    names = {
        "offline": gettext("Offline"),
        "ready": gettext("Ready"),
        "on_call": gettext("On a call"),
        "after_call_work": gettext("After-call work"),
        "break": gettext("Away"),
        "not_ready": gettext("Not ready"),
    }
    return str(names.get(state, state))


@bp.get("/console")
@staff_required(StaffRole.OPERATOR)
def console() -> str:
    return _console_page()


def _console_page(
    errors: dict[str, str] | None = None,
    given: messages.Filing | None = None,
    refused: str | None = None,
) -> str:
    me = current_account()
    query = request.args.get("q", "")[:200]
    card = console_cards.card_for(me)
    return render_template(
        "answering/console.html",
        state=agents.state_of(me),
        changes=agents.changes(me, 10),
        reasons=agents.BREAK_REASONS,
        states=OPERATOR_STATES,
        card=card,
        query=query,
        hits=card.search(query) if card is not None else [],
        errors=errors or {},
        given=given or messages.Filing(),
        refused=refused,
        phone_sdk=_phone_sdk(),
        **_controls(me, card),
    )


def _phone_sdk() -> bool:
    """Whether Twilio's Voice SDK is served with the static files (it is not bundled)."""
    folder = current_app.static_folder or ""
    return os.path.isfile(os.path.join(folder, "vendor", "twilio-voice.min.js"))


def _controls(me: User, card: console_cards.CallCard | None) -> dict[str, Any]:
    """What the card's call controls need: whether the call is on the line, and where it can go."""
    on_line = card is not None and call_controls.live(me, card.call)
    return {
        "on_line": on_line,
        "supervisors": call_controls.transfer_targets(me) if on_line else [],
        "controls": call_controls.controls_of(card.call) if card is not None else [],
        "control_text": control_text,
    }


def _optional_id(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def control_labels() -> dict[str, str]:
    return {
        "hold": gettext("On hold"),
        "resume": gettext("Resumed"),
        "mute": gettext("Muted"),
        "unmute": gettext("Unmuted"),
        "transfer": gettext("Transferred"),
        "transfer_failed": gettext("Transfer not answered"),
        "hang_up": gettext("Hung up"),
    }


def control_text(control: CallControl) -> str:
    """One line of a call's control log: a hand-back after a transfer nobody picked up as a
    sentence naming where the caller went, any other control by its label and detail."""
    name = control.detail or "-"
    if control.action == "returned":
        text = gettext("The transfer was not answered; the call went back to %(name)s", name=name)
    elif control.action == "requeued" and control.detail:
        text = gettext(
            "%(name)s did not pick up either; the call went back to the queue", name=name
        )
    elif control.action == "requeued":
        text = gettext("The transfer was not answered; the call went back to the queue")
    elif control.action == "picked_up":
        text = gettext("%(name)s picked up the call", name=name)
    else:
        label = control_labels().get(control.action, control.action)
        text = f"{label} · {control.detail}" if control.detail else label
    return str(text)


CONTROLS = ("hold", "resume", "mute", "unmute", "transfer", "hang-up")


@bp.post("/console/calls/<call_sid>/<control>")
@staff_required(StaffRole.OPERATOR)
def control(call_sid: str, control: str) -> Response | tuple[str, int]:
    """A call control on my call (anyone else's call: 404); a refusal says why and changes nothing."""
    if control not in CONTROLS:
        abort(404)
    me, now = current_account(), utcnow()
    phone = telephony(current_app)
    try:
        if control == "hold":
            call_controls.hold(phone, me, call_sid, now)
        elif control == "resume":
            call_controls.resume(phone, me, call_sid, now)
        elif control in ("mute", "unmute"):
            call_controls.mute(me, call_sid, control == "mute", now)
        elif control == "transfer":
            target = _optional_id(request.form.get("supervisor_id", ""))
            call_controls.transfer(phone, me, call_sid, target, now, after_call())
        else:
            call_controls.hang_up(phone, me, call_sid, now, after_call())
    except call_controls.ControlRefused as refused:
        return _console_page(refused=str(refused)), 409
    return redirect(url_for("console.console"))


@bp.post("/console/calls/<call_sid>/message")
@staff_required(StaffRole.OPERATOR)
def file_message(call_sid: str) -> Response | tuple[str, int]:
    """File the message of a call that was mine (anyone else's call: 404)."""
    me = current_account()
    given = _filing_from(request.form)
    try:
        messages.file_message(me, call_sid, given, utcnow())
    except messages.FilingRefused as refused:
        return _console_page(refused.errors, given), 400
    except messages.AlreadyFiled as already:
        flash(str(already), "info")
        return redirect(url_for("console.console"))
    flash(gettext("Message filed. It is on its way to the shop."), "info")
    _put_through_if_ready(me)
    return redirect(url_for("console.console"))


@bp.post("/console/calls/<call_sid>/faq-hits")
@staff_required(StaffRole.OPERATOR)
def faq_hit(call_sid: str) -> Response:
    """The console's note (a beacon) that I opened an FAQ entry or product found by search during
    my call; anyone else's call, or an entry not in its shop's script: 404."""
    faq_hits.record(
        current_account(),
        call_sid,
        request.form.get("kind", ""),
        request.form.get("entry", ""),
        utcnow(),
    )
    return Response(status=204)


@bp.get("/console/callbacks")
@staff_required(StaffRole.OPERATOR, StaffRole.SUPERVISOR)
def callback_list() -> str:
    """Callers who asked to be called back, due now within their shop's coverage."""
    return render_template(
        "answering/callbacks.html",
        tasks=callback_tasks.due(current_account(), utcnow()),
        kept_places=callbacks.queue_now(),
        outcomes=callback_tasks.outcome_labels(),
        dispositions=messages.disposition_labels(),
    )


@bp.post("/console/callbacks/<shop_id>/<message_id>/take")
@staff_required(StaffRole.OPERATOR, StaffRole.SUPERVISOR)
def take_callback(shop_id: str, message_id: str) -> Response:
    """I am calling this customer back: the task leaves the other operators' lists."""
    try:
        callback_tasks.claim(current_account(), parse_id(shop_id), message_id, utcnow())
    except callback_tasks.OutcomeRefused as refused:
        flash(str(refused), "error")
    return redirect(url_for("console.callback_list"))


@bp.post("/console/callbacks/<shop_id>/<message_id>")
@staff_required(StaffRole.OPERATOR, StaffRole.SUPERVISOR)
def callback_outcome(shop_id: str, message_id: str) -> Response:
    try:
        callback_tasks.record_outcome(
            current_account(),
            parse_id(shop_id),
            message_id,
            request.form.get("outcome", ""),
            utcnow(),
        )
    except callback_tasks.OutcomeRefused as refused:
        flash(str(refused), "error")
    else:
        flash(gettext("Callback outcome saved."), "info")
    return redirect(url_for("console.callback_list"))


def _filing_from(form: Any) -> messages.Filing:
    return messages.Filing(
        disposition=form.get("disposition", ""),
        category=form.get("category", ""),
        body=form.get("body", ""),
        fields={
            key.removeprefix("field_"): str(value)
            for key, value in form.items()
            if key.startswith("field_")
        },
        urgent=form.get("urgency") == "urgent",
        callback=form.get("callback") == "yes",
        callback_from=form.get("callback_from", ""),
        callback_until=form.get("callback_until", ""),
        script_version=form.get("script_version", ""),
    )


@bp.get("/console/now")
@staff_required(StaffRole.OPERATOR)
def now() -> Response:
    """Polled by the console twice a second: which call is mine now (the page pops its card)."""
    me = current_account()
    state = agents.state_of(me)
    call_sid = messages.filing_call_sid(me)
    left = None
    if state.state == "after_call_work" and state.after_call_until is not None:
        left = max(0, int((state.after_call_until - utcnow()).total_seconds()))
    response = jsonify(
        call=call_sid,
        answered=call_sid is not None and messages.answered(call_sid),
        state=state.state,
        state_label=state_name(state.state),
        # the state line as the page prints it: the reason of a break, and since when
        state_line=render_template("answering/_my_state.html", state=state).strip(),
        after_call_left_s=left,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/console/phone-token")
@staff_required(StaffRole.OPERATOR)
def phone_token() -> Response | tuple[Response, int]:
    """An access token for the browser phone (Twilio's Voice SDK): it receives the calls our
    routing dials to this operator's identity. One hour, minted per operator."""
    settings = settings_from(current_app.config)
    needed = (
        settings.twilio_account_sid,
        settings.twilio_api_key,
        settings.twilio_api_secret,
        settings.twilio_twiml_app_sid,
    )
    if not all(needed):
        return jsonify(error=gettext("The browser phone is not configured.")), 404
    identity = routing.identity(current_account().id)
    token = AccessToken(
        settings.twilio_account_sid,
        settings.twilio_api_key,
        settings.twilio_api_secret,
        identity=identity,
        ttl=3600,
        grants=[
            VoiceGrant(incoming_allow=True, outgoing_application_sid=settings.twilio_twiml_app_sid)
        ],
    )
    response = jsonify(identity=identity, token=token.to_jwt(), ttl_s=3600)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/console/card")
@staff_required(StaffRole.OPERATOR)
def card() -> str | Response:
    """The card of my current call, as an HTML fragment for the console to show."""
    me = current_account()
    found = console_cards.card_for(me)
    if found is None:
        return Response(status=204)
    return render_template(
        "answering/_call_card.html",
        card=found,
        query="",
        hits=[],
        errors={},
        given=messages.Filing(),
        refused=None,
        **_controls(me, found),
    )


@bp.post("/console/state")
@staff_required(StaffRole.OPERATOR)
def my_state() -> Response | tuple[str, int]:
    me = current_account()
    try:
        agents.set_state(
            me, request.form.get("state", ""), reason=request.form.get("reason"), actor=me
        )
    except agents.StateRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("console.console"))
    _put_through_if_ready(me)
    return redirect(url_for("console.console"))


def _put_through_if_ready(operator: User) -> None:
    """A caller waiting for an operator need not wait for their next hold round."""
    if agents.state_of(operator).state == "ready":
        push_routing.operator_ready(operator)


@bp.route("/staff/operators", methods=["GET", "POST"])
@staff_required(StaffRole.SUPERVISOR, StaffRole.ADMIN)
def board() -> str | Response | tuple[str, int]:
    if request.method == "POST":
        operator = db.session.get(User, parse_id(request.form.get("operator_id")))
        if operator is None or operator.staff_role != StaffRole.OPERATOR:
            abort(404)
        try:
            agents.set_state(
                operator,
                request.form.get("state", ""),
                reason=request.form.get("reason"),
                actor=current_account(),
            )
        except agents.StateRefused as refused:
            # The board again, with the choice kept and the reason beside that operator's row.
            typed = {
                "operator_id": str(operator.id),
                "state": request.form.get("state", ""),
                "reason": request.form.get("reason", ""),
                "message": gettext(
                    "%(name)s: %(problem)s", name=operator.display_name, problem=refused
                ),
            }
            return _board_page(typed), 400
        else:
            _put_through_if_ready(operator)
            flash(
                gettext(
                    "%(name)s is now %(state)s.",
                    name=operator.display_name,
                    state=state_name(request.form.get("state", "")),
                ),
                "info",
            )
        return redirect(url_for("console.board"))
    return _board_page(None)


def _board_page(refused: dict[str, str] | None) -> str:
    return render_template(
        "answering/board.html",
        rows=agents.board(),
        reasons=agents.BREAK_REASONS,
        states=OPERATOR_STATES,
        refused=refused,
    )
