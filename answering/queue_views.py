"""The queue and the operators' phones, in Twilio's contract: the hold loop routes the caller to an
operator (`<Leave>`), the queue's action URL rings that operator (`<Dial><Client>` with a whisper),
and the dial's outcome either ends the call or puts the caller back in the queue. A transfer's
outcome ends the call when the supervisor talked with the caller, and hands the caller back when
nobody picked up."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import BadRequest

from answering import call_controls, callbacks, calls, legs, routing, twiml
from answering.carrier_views import (
    after_call,
    base_url,
    enqueue,
    scoped_call,
    short_abandon,
    signed_params,
    webhook_limit,
    xml,
)
from answering.models import Call, CallbackRequest
from scheduling import queues
from tenants.config import settings_from
from tenants.db import db, utcnow
from tenants.models import Shop
from tenants.webhook_limits import webhook_limited

bp = Blueprint("carrier_queue", __name__, url_prefix="/carrier/twilio")
POLL_S = 5  # each hold round asks for an operator again
ANNOUNCE_EVERY_S = 30  # the caller hears their place this often


def settle(call: Call) -> None:
    """Recompute the outcome and the call's share of the demand history after a change."""
    call.outcome = calls.derive_outcome(call, short_abandon())
    calls.report_demand(call, settings_from(current_app.config).sl_threshold_s)


def _number(params: dict[str, str], name: str) -> int | None:
    value = params.get(name, "")
    return int(value) if value.isdigit() else None


@bp.post("/wait")
@webhook_limited(webhook_limit)
def wait() -> Response:
    """One round of hold: route the caller if an operator is free, else tell them where they are."""
    params = signed_params()
    call = scoped_call(params["CallSid"])
    if call is None:
        return xml(twiml.goodbye())
    if call.operator_id is not None and routing.seeking(call):
        return xml(twiml.leave())  # already given to an operator (a repeated request)
    now = utcnow()
    # A caller who asked to be called back earlier keeps their place: they go first.
    if not callbacks.take_turn(now, call.queued_at) and routing.route(call, now) is not None:
        return xml(twiml.leave())
    waited = _number(params, "QueueTime") or 0
    announce = waited % ANNOUNCE_EVERY_S < POLL_S
    position = _number(params, "QueuePosition") if announce else None
    offer = f"{base_url()}/callback-choice" if waited >= callbacks.OFFER_AFTER_S else None
    return xml(
        twiml.waiting(
            position, _number(params, "AvgQueueTime"), pause_s=POLL_S, callback_action=offer
        )
    )


@bp.post("/callback-choice")
@webhook_limited(webhook_limit)
def callback_choice() -> Response:
    """A key pressed at the callback offer: 1 keeps their place and ends the call."""
    params = signed_params()
    call = scoped_call(params["CallSid"])
    if call is None or params.get("Digits") != "1" or not routing.waiting(call):
        return xml(twiml.waiting(None, None, pause_s=POLL_S))  # back to holding
    callbacks.request(call, utcnow())
    settle(call)
    return xml(twiml.callback_accepted())


def _callback_target() -> CallbackRequest:
    found = callbacks.in_shop(request.args.get("callback", ""))
    if found is None:
        raise BadRequest("callback is required")
    return found


@bp.post("/callback-answered")
@webhook_limited(webhook_limit)
def callback_answered() -> Response:
    """The caller picked up our callback: the reserved operator is rung, with the shop's name."""
    params = signed_params()
    row = _callback_target()
    call = callbacks.answered(row, params["CallSid"], utcnow())
    shop = db.session.get(Shop, row.shop_id)
    if call is None or call.operator_id is None or shop is None:
        return xml(twiml.goodbye())
    return ring_operator(call, before=twiml.callback_greeting(shop.name_kana))


@bp.post("/callback-status")
@webhook_limited(webhook_limit)
def callback_status() -> Response:
    """The outbound call's status: not reached is a failed attempt; its record is completed."""
    params = signed_params()
    row = _callback_target()
    now = utcnow()
    callbacks.outbound_status(row, params["CallSid"], params.get("CallStatus", ""), now)
    call = calls.find_call(row.shop_id, params["CallSid"], lock=True)
    if call is not None:
        calls.apply_status(call, params, now, short_abandon())
        settle(call)
        if call.ended_at is not None:
            routing.call_ended(call, calls.callback_time(params, now))
    return Response(status=204)


def _leg_target() -> tuple[str, uuid.UUID]:
    """The caller's call and the operator a leg URL we handed out names."""
    call_sid = request.args.get("call", "")
    operator = routing.operator_of(request.args.get("operator", ""))
    if not call_sid or operator is None:
        raise BadRequest("call and operator are required")
    return call_sid, operator


def _leg_round() -> int:
    """Which dial of the call a leg URL names (a resume from hold dials again)."""
    raw = request.args.get("round", "1")
    return int(raw) if raw.isdigit() and 0 < len(raw) < 6 else 1


@bp.post("/dequeued")
@webhook_limited(webhook_limit)
def dequeued() -> Response:
    """The caller left the queue: ring their operator, or say goodbye if they hung up."""
    params = signed_params()
    call = scoped_call(params["CallSid"])
    if call is None or params.get("QueueResult") not in ("leave", "redirected"):
        return xml(twiml.goodbye())
    if call.ended_at is not None or not routing.seeking(call):
        return xml(twiml.goodbye())
    if call.operator_id is None:
        return back_to_queue(call)  # the operator was taken back meanwhile: wait for the next one
    return ring_operator(call)


def back_to_queue(call: Call, say: str = "") -> Response:
    return enqueue(say, call.queue or queues.queue_of(call.shop_id))


def ring_operator(call: Call, before: str | None = None) -> Response:
    """Dial the call's operator, with the leg URLs that name this call and operator."""
    if call.operator_id is None:
        return back_to_queue(call)
    return xml(legs.dial(call, call.operator_id, before=before))


@bp.post("/transfer-done")
@webhook_limited(webhook_limit)
def transfer_done() -> Response:
    """The supervisor's leg of a transfer is over: the call ends when they talked with the
    caller; otherwise the caller is handed back (to the operator who transferred them, or to the
    queue), never cut off."""
    params = signed_params()
    call_sid, supervisor = _leg_target()
    call = scoped_call(call_sid)
    if call is None or call_controls.transfer_answered(params):
        return xml(twiml.goodbye())
    call_controls.hand_back(call, supervisor, params, _leg_round(), utcnow())
    settle(call)
    return handed_back(call)


def handed_back(call: Call) -> Response:
    """Where a handed-back caller goes, from the record alone, so that the carrier asking twice
    hears the same: their operator's phone, or the queue."""
    if call.ended_at is not None or call.returned_at is None:
        return xml(twiml.goodbye())
    if call.operator_id is None:
        return back_to_queue(call, twiml.BACK_TO_QUEUE)
    return ring_operator(call, before=twiml.BACK_TO_OPERATOR)


@bp.post("/hold-message")
@webhook_limited(webhook_limit)
def hold_message() -> Response:
    """One round of the hold message (the wait URL of a caller's hold queue)."""
    signed_params()
    return xml(twiml.hold_message(legs.HOLD_POLL_S))


@bp.post("/whisper")
@webhook_limited(webhook_limit)
def whisper() -> Response:
    """Played to the operator before the bridge: which shop, and what the caller chose."""
    signed_params()
    call_sid, _ = _leg_target()
    call = scoped_call(call_sid)
    shop = db.session.get(Shop, call.shop_id) if call is not None else None
    if call is None or shop is None:
        return xml(twiml.goodbye())
    transfer, returned = request.args.get("transfer") == "1", request.args.get("returned") == "1"
    return xml(
        twiml.whisper(shop.name_kana, call.menu_choice, transfer=transfer, returned=returned)
    )


@bp.post("/leg")
@webhook_limited(webhook_limit)
def leg() -> Response:
    """A status callback of the operator's leg: answered, or over (and how)."""
    params = signed_params()
    call_sid, operator = _leg_target()
    call = scoped_call(call_sid)
    if call is not None:
        now, round_ = utcnow(), _leg_round()
        routing.leg_status(call, operator, params, now, after_call(), round_=round_)
        if params.get("CallStatus") in ("in-progress", "completed"):
            call_controls.picked_up(call, operator, round_, now)
        settle(call)
    return Response(status=204)


@bp.post("/dial-done")
@webhook_limited(webhook_limit)
def dial_done() -> Response:
    """The operator's leg is over for the caller: the call ends, or the caller waits for the next
    operator (their place in the queue is their original time of arrival)."""
    params = signed_params()
    call_sid, operator = _leg_target()
    call = scoped_call(call_sid)
    if call is None:
        return xml(twiml.goodbye())
    now, round_ = utcnow(), _leg_round()
    if call.returned_at is not None:
        return _hand_back_dial_done(call, operator, params, round_, now)
    if round_ > 1 and call.answered_at is not None:
        # A resume from hold: not picked up, the caller waits on hold for the next try.
        if call_controls.resume_missed(call, operator, params, round_, now):
            return xml(legs.hold(call))
        return xml(twiml.goodbye())
    talked = routing.dial_result(call, operator, params, now)
    settle(call)
    if talked or call.ended_at is not None:
        return xml(twiml.goodbye())
    if call.direction == "outbound":  # our callback found no operator after all: call again
        callbacks.try_again(call, utcnow())
        return xml(twiml.callback_again())
    return back_to_queue(call)


def _hand_back_dial_done(
    call: Call, operator: uuid.UUID, params: dict[str, str], round_: int, now: datetime
) -> Response:
    """The dial of an operator a caller was handed back to: picked up, the call goes on with
    them; not, the caller waits in the queue at their first place for the next operator (told
    why when it was the operator who transferred them)."""
    if call.ended_at is not None:
        return xml(twiml.goodbye())
    if round_ != call.leg_round:
        # An earlier dial's report, or this one's after its leg said no and the caller was routed
        # on: the queue, where the operator it is given to now (if any) is rung at once.
        return back_to_queue(call)
    if routing.dial_result(call, operator, params, now):
        call_controls.picked_up(call, operator, round_, now)
        settle(call)
        return xml(twiml.goodbye())
    told = call_controls.requeue_missed(call, operator, params, now)
    settle(call)
    return back_to_queue(call, twiml.BACK_TO_QUEUE if told else "")
