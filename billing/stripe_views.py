"""Stripe's webhook, `POST /billing/stripe/webhook`: signature first, then the event stored by id."""

from __future__ import annotations

import json
import logging

import stripe
from flask import Blueprint, current_app, request
from werkzeug.exceptions import BadRequest, NotFound

from billing import stripe_events
from tenants.config import settings_from
from tenants.db import db
from tenants.metrics import WEBHOOKS
from tenants.scoping import SYSTEM, set_scope
from tenants.web import limiter

log = logging.getLogger(__name__)

bp = Blueprint("stripe_billing", __name__)
#: Stripe sends each event once per endpoint (with retries): far below this.
WEBHOOK_LIMIT = "600 per minute"
SIGNATURE_TOLERANCE_S = 300


@bp.post("/billing/stripe/webhook")
@limiter.limit(WEBHOOK_LIMIT)
def webhook() -> tuple[str, int]:
    """Verify the signature, store the event by id, answer; a job handles it after commit."""
    secret = settings_from(current_app.config).stripe_webhook_secret
    if not secret:
        raise NotFound()
    payload = request.get_data(as_text=True)
    try:
        stripe.WebhookSignature.verify_header(
            payload, request.headers.get("Stripe-Signature", ""), secret, SIGNATURE_TOLERANCE_S
        )
    except stripe.SignatureVerificationError:
        WEBHOOKS.labels("stripe", "bad_signature").inc()
        log.warning("stripe webhook refused: bad signature")
        raise BadRequest("The Stripe-Signature header does not match the payload.") from None
    try:
        event = json.loads(payload)
        event_id, type_, created = str(event["id"]), str(event["type"]), int(event["created"])
    except (ValueError, KeyError, TypeError):
        raise BadRequest("The payload is not a Stripe event.") from None
    if not event_id.startswith("evt_") or len(event_id) > 255:
        raise BadRequest("The payload is not a Stripe event.")
    set_scope(db.session, SYSTEM)
    added = stripe_events.record(event_id, type_, created, "webhook")
    WEBHOOKS.labels("stripe", "accepted" if added else "duplicate").inc()
    return ("", 200)
