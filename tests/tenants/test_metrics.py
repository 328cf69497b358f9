"""`/metrics`: Prometheus text with request latency, webhook outcomes, queue, operators, answer rate."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.answering.carrier import post
from tests.answering.test_carrier import incoming, shop_with_number


def scrape(client: FlaskClient, **headers: str) -> str:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return response.get_data(as_text=True)


def test_metrics_report_calls_waiting_and_webhooks(app: Flask, client: FlaskClient) -> None:
    shop_with_number(app)
    incoming(app, client, sid="CA1")
    post(
        app,
        client,
        "/carrier/twilio/voice",
        {"CallSid": "CA2", "To": "+81345000001"},
        signature="forged",
    )
    client.get("/healthz")
    text = scrape(client)
    assert 'answering_calls_waiting{queue="team-default"} 1.0' in text
    assert "answering_longest_wait_seconds" in text
    assert 'answering_webhooks_total{outcome="bad_signature",source="carrier"}' in text
    assert (
        'answering_request_seconds_count{endpoint="health.healthz",method="GET",status="200"}'
        in text
    )


def test_metrics_need_the_token_when_one_is_set(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METRICS_TOKEN", "scrape-secret")
    assert client.get("/metrics").status_code == 404
    assert "answering_request_seconds" in scrape(client, Authorization="Bearer scrape-secret")


def test_metrics_are_not_public(client: FlaskClient) -> None:
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 404
