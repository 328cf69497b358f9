"""With SENTRY_DSN set, an unhandled error reaches a server speaking Sentry's protocol, with the
request id and without cookies or form bodies; without it, nothing is sent."""

from __future__ import annotations

import gzip
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest
import sentry_sdk

from tests.conftest import build_app


class _Receiver(BaseHTTPRequestHandler):
    envelopes: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        type(self).envelopes.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    _Receiver.envelopes = []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://public@127.0.0.1:{server.server_port}/1"
    server.shutdown()
    server.server_close()


def test_an_unhandled_error_is_reported_without_personal_data(
    receiver: str, tmp_path: object
) -> None:
    app = build_app(f"sqlite:///{tmp_path}/reports.db", SENTRY_DSN=receiver)
    # Made at run time, so the test's own source lines (sent as context) cannot contain them.
    cookie, caller = uuid.uuid4().hex, f"090{uuid.uuid4().int % 10**8:08d}"

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("the reporting check")

    try:
        app.config["PROPAGATE_EXCEPTIONS"] = False
        client = app.test_client()
        client.set_cookie("session", cookie)
        response = client.get(f"/boom?caller={caller}", headers={"X-Request-ID": "a" * 32})
        assert response.status_code == 500
        sentry_sdk.flush(timeout=5)
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # later tests report nowhere
    events = [
        json.loads(line)
        for envelope in _Receiver.envelopes
        for line in envelope.splitlines()[1:]
        if b'"exception"' in line
    ]
    assert len(events) == 1
    event = events[0]
    assert event["exception"]["values"][-1]["value"] == "the reporting check"
    assert event["tags"]["request_id"] == "a" * 32
    text = json.dumps(event)
    assert cookie not in text
    assert caller not in text
