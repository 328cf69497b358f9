"""Recordings: copied into our storage, played in the portal with ranges, purged after 90 days."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from answering.models import Call, Message
from answering.recordings import purge_recordings
from tenants.models import AuditEvent
from tests.answering.carrier import post
from tests.answering.test_carrier import incoming, shop_with_number
from tests.conftest import log_in, system
from tests.factories import PASSWORD, make_shop

MP3 = b"ID3" + b"\x00" * 2000


@pytest.fixture
def carrier_media(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path.endswith("/RE1.mp3") else 404)
            self.send_header("Content-Type", "audio/mpeg")
            self.end_headers()
            self.wfile.write(MP3)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host = f"127.0.0.1:{server.server_port}"
    monkeypatch.setitem(app.config, "CARRIER_MEDIA_HOSTS", (host,))
    monkeypatch.setitem(app.config, "CARRIER_MEDIA_ALLOW_PRIVATE", True)
    yield f"http://{host}/2010-04-01/Accounts/AC1/Recordings"
    server.shutdown()
    server.server_close()


def leave_a_message(app: Flask, client: FlaskClient, base: str) -> None:
    shop_with_number(app, hours=None)
    incoming(app, client)
    post(
        app,
        client,
        "/carrier/twilio/recording",
        {
            "CallSid": "CA1",
            "RecordingSid": "RE1",
            "RecordingStatus": "completed",
            "RecordingUrl": f"{base}/RE1",
            "RecordingDuration": "9",
        },
    )
    post(app, client, "/carrier/twilio/status", {"CallSid": "CA1", "CallStatus": "completed"})


def test_message_is_copied_and_played_in_the_portal(
    app: Flask, client: FlaskClient, carrier_media: str
) -> None:
    leave_a_message(app, client, carrier_media)
    owner = app.test_client()
    log_in(owner, "owner@alpha.example.jp", PASSWORD)
    page = owner.get("/shops/alpha/calls/").get_data(as_text=True)
    assert "090-1234-5678" in page
    assert "時間外の伝言" in page
    assert "<audio" in page
    with system(app) as session:
        call_id = session.scalars(select(Call.id)).one()
    url = f"/shops/alpha/calls/{call_id}/recording.mp3"
    whole = owner.get(url)
    assert whole.data == MP3
    whole.close()
    partial = owner.get(url, headers={"Range": "bytes=0-2"})
    assert (partial.status_code, partial.data) == (206, b"ID3")
    partial.close()
    with system(app) as session:
        message_id = session.scalars(select(Message.id)).one()
    message = owner.get(f"/shops/alpha/messages/{message_id}").get_data(as_text=True)
    assert f'data-testid="recording" src="{url}"' in message  # played where it is read
    dashboard = owner.get("/shops/alpha/").get_data(as_text=True)
    assert 'data-testid="calls-card"' in dashboard
    beta = make_shop(app, "beta")
    other = app.test_client()
    log_in(other, beta["email"], PASSWORD)
    assert other.get(url).status_code == 404


def test_recordings_are_purged_after_90_days(
    app: Flask, client: FlaskClient, carrier_media: str
) -> None:
    leave_a_message(app, client, carrier_media)
    purge_recordings(app)
    with system(app) as session:
        call = session.scalars(select(Call)).one()
        assert call.recording_key is not None
        call.arrived_at = call.arrived_at - timedelta(days=91)
    purge_recordings(app)
    with system(app) as session:
        call = session.scalars(select(Call)).one()
        assert call.recording_key is None
        assert call.recording_purged_at is not None
        actions = session.scalars(select(AuditEvent.action)).all()
        message_id = session.scalars(select(Message.id)).one()
    assert "recording.purged" in actions
    owner = app.test_client()
    log_in(owner, "owner@alpha.example.jp", PASSWORD)
    message = owner.get(f"/shops/alpha/messages/{message_id}").get_data(as_text=True)
    assert "録音は90日を過ぎたため削除しました。" in message
    assert "<audio" not in message


def test_a_voicemail_after_hours_becomes_a_message_in_the_shops_inbox_once(
    app: Flask, client: FlaskClient, carrier_media: str
) -> None:
    leave_a_message(app, client, carrier_media)
    again = {
        "CallSid": "CA1",
        "RecordingSid": "RE1",
        "RecordingStatus": "completed",
        "RecordingUrl": f"{carrier_media}/RE1",
        "RecordingDuration": "9",
    }
    post(app, client, "/carrier/twilio/recording", again)  # the carrier's retry
    with system(app) as session:
        left = session.scalars(select(Message)).all()
        assert len(left) == 1
        assert left[0].operator_id is None
        assert "9" in left[0].body
    owner = app.test_client()
    log_in(owner, "owner@alpha.example.jp", PASSWORD)
    inbox = owner.get("/shops/alpha/messages/").get_data(as_text=True)
    assert "時間外の留守番電話" in inbox
