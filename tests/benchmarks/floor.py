"""The floor under `/carrier/twilio/voice`: a bare Flask endpoint that does only what no answer to
an incoming call can skip, with the same statements as ours, and answers a fixed TwiML.

It checks the carrier's signature, then, in one transaction on the same database: the scope
statement every transaction of ours begins with, the number's shop (our statement, scoping the
transaction to it), and the call's index and record (our statement), then commits. No request
hooks, logging, metrics, rate limit, ORM session or coverage decision: the difference between it
and our endpoint is what the application adds; the difference between it and the bare endpoint is
what the database work costs the web process whatever the code around it.

`raw_app` does the same with psycopg alone (one connection per thread, our two statements compiled
once to SQL): the cheapest way Python can do this work, without SQLAlchemy's engine around it.
"""

from __future__ import annotations

import os
import threading
import uuid
from datetime import UTC, datetime

import psycopg
from flask import Flask, Response, abort, request
from sqlalchemy import create_engine

from answering.calls import _index_and_record_statement
from answering.providers import TwilioTelephony
from tenants.numbers.services import _renting_shop

app = Flask(__name__)
engine = create_engine(
    os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
)
carrier = TwilioTelephony(os.environ["FLOOR_AUTH_TOKEN"], "", None)
PUBLIC = os.environ["PUBLIC_BASE_URL"]
ROLE = os.environ.get("DATABASE_APP_ROLE", "answering_app")
SCOPE = (
    f"SET LOCAL ROLE \"{ROLE}\"; SELECT set_config('app.shop_id', '', true), "
    "set_config('app.user_id', '', true), set_config('app.staff', 'on', true)"
)
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>ok</Say></Response>'
COLUMNS = (
    "id",
    "shop_id",
    "call_sid",
    "from_number",
    "to_number",
    "arrived_at",
    "in_coverage",
    "queued_at",
    "queue",
    "outcome",
    "carrier_status",
)


def signed() -> dict[str, str]:
    params = request.form.to_dict()
    signature = request.headers.get("X-Twilio-Signature", "")
    if not carrier.signature_valid(PUBLIC + request.path, params, signature):
        abort(403)
    return params


def values(params: dict[str, str], shop_id: object, now: datetime) -> dict[str, object]:
    """The call's record as our endpoint writes it for a shop answered now, without a menu."""
    record = {
        "id": uuid.uuid4(),
        "shop_id": shop_id,
        "call_sid": params["CallSid"],
        "from_number": params["From"],
        "to_number": params["To"],
        "arrived_at": now,
        "in_coverage": True,
        "queued_at": now,
        "queue": "team-default",
        "outcome": "in_progress",
        "carrier_status": "ringing",
    }
    return {**{f"new_{name}": value for name, value in record.items()}, "indexed_at": now}


@app.post("/carrier/twilio/voice")
def voice() -> Response:
    params = signed()
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.exec_driver_sql(SCOPE)
        found = connection.execute(_renting_shop(scoping=True), {"e164": params["To"]}).first()
        if found is None:
            abort(404)
        connection.execute(_index_and_record_statement(COLUMNS), values(params, found[0], now))
    return Response(TWIML, mimetype="text/xml")


raw_app = Flask(__name__)
LOOKUP = _renting_shop(scoping=True).compile(dialect=engine.dialect)
RECORD = _index_and_record_statement(COLUMNS).compile(dialect=engine.dialect)
connections = threading.local()


def raw_connection() -> psycopg.Connection[tuple[object, ...]]:
    found: psycopg.Connection[tuple[object, ...]] | None = getattr(connections, "found", None)
    if found is None:
        found = connections.found = psycopg.connect(
            engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        )
    return found


@raw_app.post("/carrier/twilio/voice")
def raw_voice() -> Response:
    params = signed()
    now = datetime.now(UTC)
    connection = raw_connection()
    with connection.transaction():
        connection.execute(SCOPE)
        found = connection.execute(
            LOOKUP.string, {**LOOKUP.params, "e164": params["To"]}
        ).fetchone()
        if found is None:
            abort(404)
        connection.execute(RECORD.string, {**RECORD.params, **values(params, found[0], now)})
    return Response(TWIML, mimetype="text/xml")
