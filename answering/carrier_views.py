"""The carrier's webhooks (Twilio's contract): every request's signature is checked against
`PUBLIC_BASE_URL` + the request's full path; a bad or missing one gets 403 and changes nothing."""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import timedelta

from flask import Blueprint, Flask, Response, abort, current_app, request
from werkzeug.exceptions import BadRequest, ServiceUnavailable

from answering import call_setup, calls, fax, forwarding, messages, recordings, routing, twiml
from answering.models import Call
from answering.providers import Telephony, TwilioTelephony
from tenants.config import settings_from
from tenants.db import db, utcnow
from tenants.metrics import WEBHOOKS
from tenants.models import Shop
from tenants.numbers import services as numbers
from tenants.request_cycle import csrf
from tenants.scoping import SYSTEM, Scope, set_scope
from tenants.webhook_limits import webhook_limited

log = logging.getLogger(__name__)
bp = Blueprint("carrier", __name__, url_prefix="/carrier/twilio")


def webhook_limit() -> str:
    """Per endpoint and carrier address: generous for a busy centre, a wall against a flood."""
    return settings_from(current_app.config).carrier_webhook_limit


def telephony(app: Flask) -> Telephony:
    """The carrier adapter; without TWILIO_AUTH_TOKEN a token derived from SECRET_KEY, which the
    local simulator uses too."""
    found = app.extensions.get("telephony")
    if found is None:
        settings = settings_from(app.config)
        token = (
            settings.twilio_auth_token
            or hmac.new(settings.secret_key.encode(), b"local-carrier", hashlib.sha256).hexdigest()
        )
        found = TwilioTelephony(token, settings.twilio_account_sid, settings.twilio_api_base)
        app.extensions["telephony"] = found
    return found


def signed_params(*, require_call: bool = True) -> dict[str, str]:
    """The form parameters of a request whose signature is right; 403 otherwise, 400 if malformed."""
    settings = settings_from(current_app.config)
    path = request.full_path.rstrip("?")
    url = settings.public_base_url + path
    params = {key: value for key, value in request.form.items(multi=False)}
    signature = request.headers.get("X-Twilio-Signature", "")
    if not telephony(current_app).signature_valid(url, params, signature):
        log.warning("carrier webhook refused: bad signature", extra={"path": request.path})
        WEBHOOKS.labels("carrier", "bad_signature").inc()
        abort(403)
    WEBHOOKS.labels("carrier", "accepted").inc()
    if any("\x00" in key or "\x00" in value for key, value in params.items()):
        raise BadRequest("NUL bytes in parameters")
    if require_call and not params.get("CallSid"):
        raise BadRequest("CallSid is missing")
    return params


def xml(body: str) -> Response:
    return Response(body, mimetype="text/xml")


def short_abandon() -> timedelta:
    return timedelta(seconds=settings_from(current_app.config).short_abandon_s)


def after_call() -> timedelta:
    return timedelta(seconds=settings_from(current_app.config).after_call_work_s)


def base_url() -> str:
    """Where the carrier reaches our TwiML endpoints (signatures are made for this URL)."""
    return settings_from(current_app.config).public_base_url + "/carrier/twilio"


def enqueue(welcome: str, queue: str) -> Response:
    base = base_url()
    return xml(twiml.to_queue(welcome, queue, f"{base}/wait", f"{base}/dequeued"))


@bp.post("/voice")
@webhook_limited(webhook_limit)
def voice() -> Response:
    params = signed_params()
    call_sid, dialled = params["CallSid"], params.get("To", "")
    set_scope(db.session, SYSTEM)  # only the number pool is read here
    setup = call_setup.for_number(dialled)  # scopes the session to the shop it finds
    if setup is None:
        calls.index_call(call_sid, None)
        log.info("call to a number no shop rents", extra={"call_sid": call_sid, "to": dialled})
        return xml(twiml.unknown_number())
    now = utcnow()
    if forwarding.arrived(setup.shop_id, params.get("From", ""), dialled, now):
        return xml(twiml.forwarding_arrived())  # the shop's forwarding check came back to us
    decision = calls.decide(setup, now)
    options = list(setup.menu) if decision.kind == "queue" else []
    calls.open_call(
        setup.shop_id,
        call_sid=call_sid,
        caller=params.get("From", ""),
        dialled=dialled,
        decision=decision,
        at=now,
        queue=setup.queue,
        menu_first=bool(options),
    )
    base = base_url()
    if decision.kind == "queue":
        if options:
            listed = [(int(str(o["key"])), str(o["label"])) for o in options]
            return xml(twiml.menu(decision.message, listed, f"{base}/menu"))
        return enqueue(decision.message, setup.queue)
    if decision.kind == "after_hours":
        return xml(
            twiml.after_hours(decision.message, f"{base}/recording", f"{base}/voicemail-done")
        )
    return xml(twiml.closed(decision.message))


def scoped_call(call_sid: str) -> Call | None:
    """The call a callback names, locked; 503 when its webhook has not been seen yet, so that
    the carrier retries instead of the callback being lost."""
    set_scope(db.session, SYSTEM)
    if db.session.get_bind().dialect.name == "postgresql":
        found = calls.indexed_call(call_sid)  # scopes the session to the call's shop
        if found is not None:
            return found
    indexed = calls.shop_of_indexed_call(call_sid)  # scopes the session to the call's shop
    if indexed is None:
        raise ServiceUnavailable("This call is not known yet; retry.", retry_after=5)
    (shop_id,) = indexed
    if shop_id is None:
        return None  # a call to a number no shop rents: nothing to complete
    return calls.find_call(shop_id, call_sid, lock=True)


@bp.post("/status")
@webhook_limited(webhook_limit)
def status() -> Response:
    params = signed_params()
    call = scoped_call(params["CallSid"])
    if call is not None:
        now = utcnow()
        calls.apply_status(call, params, now, short_abandon())
        calls.report_demand(call, settings_from(current_app.config).sl_threshold_s)
        if call.ended_at is not None:
            routing.call_ended(call, calls.callback_time(params, now))
    return Response(status=204)


@bp.post("/recording")
@webhook_limited(webhook_limit)
def recording() -> Response:
    params = signed_params()
    call = scoped_call(params["CallSid"])
    if call is not None:
        calls.apply_recording(call, params, short_abandon())
        recordings.copy_later(call)
        messages.voicemail(call, utcnow())  # after hours: the shop gets a message
    return Response(status=204)


@bp.post("/menu")
@webhook_limited(webhook_limit)
def menu() -> Response:
    """The caller pressed a key (or none): note the choice and queue; a wrong key asks once more."""
    params = signed_params()
    base = base_url()
    call = scoped_call(params["CallSid"])
    if call is None:
        return xml(twiml.goodbye())
    digits = params.get("Digits", "")
    options = calls.menu_options(call.shop_id)
    if digits and not calls.choose(call, digits, options) and request.args.get("retry") != "1":
        listed = [(int(str(o["key"])), str(o["label"])) for o in options]
        return xml(twiml.menu("", listed, f"{base}/menu?retry=1", retry=True))
    queue = calls.enter_queue(call, utcnow())
    return enqueue("おつなぎします。", queue)


@bp.post("/voicemail-done")
@webhook_limited(webhook_limit)
def voicemail_done() -> Response:
    signed_params()
    return xml(twiml.goodbye())


fax_bp = Blueprint("carrier_fax", __name__)


@fax_bp.post("/carrier/fax")
@webhook_limited(webhook_limit)
def inbound_fax() -> Response:
    """A fax arrived: record it and fetch the document in a job."""
    params = signed_params(require_call=False)
    if not params.get("MediaUrl"):
        raise BadRequest("MediaUrl is missing")
    set_scope(db.session, SYSTEM)
    shop_id = numbers.shop_for_number(params.get("To", ""))
    if shop_id is None:
        log.info("fax to a number no shop rents", extra={"to": params.get("To", "")})
        return Response(status=204)
    set_scope(db.session, Scope(shop_id=shop_id))
    shop = db.session.get(Shop, shop_id)
    if shop is not None:
        fax.announce(shop, params)
    return Response(status=204)


def init_app(app: Flask) -> None:
    from answering.queue_views import bp as queue_bp

    for blueprint in (bp, queue_bp, fax_bp):
        app.register_blueprint(blueprint)
        csrf.exempt(blueprint)  # the carrier signs its requests instead
