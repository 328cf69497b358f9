"""Recordings: copied from the carrier into our storage by a job, served to the shop with range
requests, deleted after the shop's retention period with an audit entry."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta

from flask import Flask, abort, current_app, send_file
from sqlalchemy import select
from werkzeug.wrappers import Response

from answering.fax import FetchRefused, fetch
from answering.models import Call
from tenants.config import settings_from
from tenants.db import db, utcnow
from tenants.jobs import enqueue_after_commit, task
from tenants.scheduler import in_system_scope, periodic
from tenants.scoping import get_for_shop
from tenants.services import audit
from tenants.storage import store

RETENTION = timedelta(days=90)
AUDIO = ("audio/mpeg", "audio/mp3")


def copy_later(call: Call) -> None:
    if call.recording_url and call.recording_key is None:
        enqueue_after_commit(copy_recording, shop_id=call.shop_id, call_id=str(call.id))


def served(call: Call) -> Response:
    """The call's recording, served with range requests so the player can seek; 404 without one.
    The caller has already decided that the reader may hear this call."""
    if call.recording_key is None:
        abort(404)
    return send_file(
        store(current_app).path(call.recording_key), mimetype="audio/mpeg", conditional=True
    )


def _auth_header() -> dict[str, str]:
    settings = settings_from(current_app.config)
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        return {}
    pair = f"{settings.twilio_account_sid}:{settings.twilio_auth_token}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


@task
def copy_recording(*, shop_id: uuid.UUID, call_id: str) -> None:
    call = get_for_shop(Call, shop_id, call_id)
    if call.recording_url is None or call.recording_key is not None:
        return
    try:
        audio = fetch(call.recording_url + ".mp3", content_types=AUDIO, headers=_auth_header())
    except FetchRefused as refused:
        call.recording_error = str(refused)[:200]
        return
    key = f"recordings/{shop_id}/{call.id}.mp3"
    store(current_app).put(key, audio)
    call.recording_key, call.recording_error = key, None


@periodic("purge-recordings", every=timedelta(hours=1))
def purge_recordings(app: Flask) -> None:
    """Delete recordings older than the retention period (90 days), each with an audit entry."""
    with in_system_scope(app):
        old = db.session.scalars(
            select(Call).where(
                Call.recording_key.is_not(None), Call.arrived_at < utcnow() - RETENTION
            )
        ).all()
        for call in old:
            store(app).delete(call.recording_key or "")
            audit("recording.purged", actor=None, shop_id=call.shop_id, target=call.call_sid)
            call.recording_key = None
            call.recording_purged_at = utcnow()
