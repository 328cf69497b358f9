"""The carrier's webhooks go through the hooks a machine needs and no others (see
`tenants.machine_requests`): logged, measured, committed once and rate limited, with no session,
and refused in plain text that keeps `Retry-After`."""

from __future__ import annotations

import dataclasses

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from answering.carrier_views import telephony
from answering.models import Call
from tenants.machine_requests import MACHINE_PATHS
from tests.answering.test_carrier import NUMBER, incoming, shop_with_number
from tests.conftest import system

VOICE = "/carrier/twilio/voice"


def test_a_webhook_is_logged_measured_and_committed_without_a_session(
    app: Flask, client: FlaskClient
) -> None:
    shop_with_number(app)
    client.get("/login")  # a browser's session cookie, which the carrier never has
    answer = incoming(app, client, sid="CA1")
    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert "Set-Cookie" not in answer.headers  # type: ignore[attr-defined]
    assert len(answer.headers["X-Request-ID"]) == 32  # type: ignore[attr-defined]
    with system(app) as session:
        assert session.scalars(select(Call.call_sid)).all() == ["CA1"]
    metrics = client.get("/metrics").get_data(as_text=True)
    assert (
        'answering_request_seconds_count{endpoint="carrier.voice",method="POST",status="200"}'
        in metrics
    )


def test_pages_keep_their_session_and_security_headers(client: FlaskClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert "session=" in page.headers["Set-Cookie"]  # the login form's CSRF token lives there
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"


def test_every_carrier_view_counts_its_own_rate_limit(app: Flask) -> None:
    """Flask-Limiter does not run for the carrier's paths: a view there without its own limit
    would take any flood."""
    carrier_rules = [
        rule for rule in app.url_map.iter_rules() if rule.rule.startswith(MACHINE_PATHS)
    ]
    assert len(carrier_rules) >= 15  # voice, status, recording, fax, the queue and the legs
    unlimited = [
        rule.rule
        for rule in carrier_rules
        if not getattr(app.view_functions[rule.endpoint], "webhook_limited", False)
    ]
    assert unlimited == []


def test_a_refused_webhook_is_told_in_plain_text_when_to_come_back(
    app: Flask, client: FlaskClient
) -> None:
    shop_with_number(app)
    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = dataclasses.replace(settings, carrier_webhook_limit="1 per minute")
    try:
        assert incoming(app, client, sid="CA1").status_code == 200  # type: ignore[attr-defined]
        refused = incoming(app, client, sid="CA2")
    finally:
        app.config["SETTINGS"] = settings
    assert refused.status_code == 429  # type: ignore[attr-defined]
    assert refused.mimetype == "text/plain"  # type: ignore[attr-defined]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60  # type: ignore[attr-defined]
    unknown = client.post("/carrier/twilio/no-such-webhook")
    assert (unknown.status_code, unknown.mimetype) == (404, "text/plain")


def test_a_signature_made_for_the_url_with_its_port_is_accepted(
    app: Flask, client: FlaskClient
) -> None:
    """Twilio may sign the URL with the scheme's port written out; the URL as configured is
    tried first, then the variants Twilio's own validator accepts."""
    shop_with_number(app)
    params = {"CallSid": "CA1", "From": "+819012345678", "To": NUMBER, "CallStatus": "ringing"}
    signature = telephony(app).sign("http://localhost:80" + VOICE, params)
    answer = client.post(VOICE, data=params, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200
    wrong_port = telephony(app).sign("http://localhost:8080" + VOICE, params)
    refused = client.post(VOICE, data=params, headers={"X-Twilio-Signature": wrong_port})
    assert refused.status_code == 403
