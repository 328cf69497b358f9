"""A bare Flask endpoint answering a fixed TwiML: the ceiling our carrier webhooks are compared to."""

from __future__ import annotations

from flask import Flask, Response

app = Flask(__name__)
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>ok</Say></Response>'


@app.post("/carrier/twilio/voice")
def voice() -> Response:
    return Response(TWIML, mimetype="text/xml")
