"""A minimal stand-in for the carrier: signs requests exactly as Twilio does and posts them."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from answering.carrier_views import telephony

BASE = "http://localhost"  # PUBLIC_BASE_URL of the test application


def post(
    app: Flask, client: FlaskClient, path: str, params: dict[str, str], signature: str | None = None
) -> object:
    sign = telephony(app).sign(BASE + path, params) if signature is None else signature
    return client.post(path, data=params, headers={"X-Twilio-Signature": sign})
