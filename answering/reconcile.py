"""Repairing what a lost callback left open: the carrier's REST API is asked about every call still
open a while after it arrived, and about the recording of every answered call that has none; what
it says is applied exactly as the callbacks would have applied it."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from email.utils import format_datetime

from flask import Flask, current_app
from sqlalchemy import and_, or_, select

from answering import callbacks, calls, recordings, routing
from answering.models import Call
from answering.providers import CarrierUnavailable, Telephony
from tenants.config import settings_from
from tenants.db import db, utcnow
from tenants.scheduler import in_system_scope, periodic

log = logging.getLogger(__name__)
OPEN_AFTER = timedelta(minutes=10)  # callbacks are retried for a few minutes before we ask
LOOK_BACK = timedelta(days=2)


def open_calls(now: datetime, older_than: timedelta, limit: int = 500) -> list[Call]:
    return list(
        db.session.scalars(
            select(Call)
            .where(
                Call.arrived_at < now - older_than,
                Call.arrived_at > now - LOOK_BACK,
                or_(
                    Call.ended_at.is_(None),
                    and_(
                        Call.answered_at.is_not(None),
                        Call.ended_at.is_not(None),
                        Call.recording_sid.is_(None),
                    ),
                ),
            )
            .order_by(Call.arrived_at)
            .limit(limit)
        )
    )


def reconcile(
    telephony: Telephony, now: datetime, older_than: timedelta = OPEN_AFTER
) -> Counter[str]:
    """Apply the carrier's view to open calls (in the system scope); counts what was repaired."""
    settings = settings_from(current_app.config)
    short_abandon = timedelta(seconds=settings.short_abandon_s)
    done: Counter[str] = Counter()
    for call in open_calls(now, older_than):
        done["checked"] += 1
        try:
            found = telephony.fetch_call(call.call_sid)
            held = telephony.recordings(call.call_sid) if call.answered_at else []
        except CarrierUnavailable as error:
            log.warning("reconciliation stopped: %s", error)
            done["carrier_unavailable"] += 1
            break
        if found is not None and found.status in calls.TERMINAL and call.ended_at is None:
            params = {"CallSid": call.call_sid, "CallStatus": found.status}
            if found.duration_s is not None:
                params["CallDuration"] = str(found.duration_s)
            if found.end_time is not None:
                params["Timestamp"] = format_datetime(found.end_time)
            calls.apply_status(call, params, now, short_abandon)
            calls.report_demand(call, settings.sl_threshold_s)
            routing.call_ended(call, call.ended_at or now)
            if call.direction == "outbound":  # an attempt of a callback: as its status would
                attempt = callbacks.of_outbound(call)
                if attempt is not None:
                    callbacks.outbound_status(attempt, call.call_sid, found.status, now)
            done["status"] += 1
        for recording in held[:1]:
            if call.recording_sid is None:
                calls.apply_recording(
                    call,
                    {
                        "RecordingSid": recording.sid,
                        "RecordingUrl": recording.url,
                        "RecordingDuration": str(recording.duration_s),
                    },
                    short_abandon,
                )
                recordings.copy_later(call)
                done["recording"] += 1
    return done


@periodic("reconcile-calls", every=timedelta(minutes=10))
def reconcile_calls(app: Flask) -> None:
    from answering.carrier_views import telephony

    with in_system_scope(app):
        repaired = reconcile(telephony(app), utcnow())
        if repaired:
            log.info("reconciliation: %s", dict(repaired))
