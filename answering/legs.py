"""The TwiML that rings a staff member's phone for a caller (`<Dial><Client>`): the first ring of
the routed operator, the same operator again when the caller comes back from hold, a supervisor
a call is transferred to, and an operator a caller is handed back to when the transfer was not
picked up. The leg URLs name the call, the person rung and, once the call was answered, which
dial of the call it is, so a late callback of an earlier dial is told apart."""

from __future__ import annotations

import uuid
from dataclasses import astuple
from urllib.parse import urlencode

from flask import current_app

from answering import operator_phones, twiml
from answering.carrier_views import base_url
from answering.models import Call
from tenants.config import settings_from

HOLD_POLL_S = 10  # the hold message comes round this often


def leg_query(call: Call, person: uuid.UUID, *, round_: int = 1) -> str:
    query = {"call": call.call_sid, "operator": str(person)}
    if round_ > 1:
        query["round"] = str(round_)
    return urlencode(query)


def dial(
    call: Call, person: uuid.UUID, *, before: str | None = None, transfer: bool = False
) -> str:
    """Ring `person` for this call; a transfer's outcome goes to its own action URL. The whisper
    tells a transfer, and a caller handed back after one, from a new caller."""
    base = base_url()
    query = leg_query(call, person, round_=call.leg_round)
    done = "transfer-done" if transfer else "dial-done"
    whisper = f"{base}/whisper?{query}"
    if transfer:
        whisper += "&transfer=1"
    elif call.returned_at is not None:
        whisper += "&returned=1"
    return twiml.dial_operator(
        astuple(operator_phones.phone_of(person)),
        before=before,
        timeout_s=settings_from(current_app.config).ring_timeout_s,
        action=f"{base}/{done}?{query}",
        whisper_url=whisper,
        leg_callback=f"{base}/leg?{query}",
        recording_callback=f"{base}/recording",
    )


def hold(call: Call) -> str:
    """The caller alone in a queue named for their call, hearing the hold message."""
    return twiml.on_hold(f"hold-{call.call_sid}", f"{base_url()}/hold-message")
