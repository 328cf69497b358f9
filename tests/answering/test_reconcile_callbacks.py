"""A callback we place whose attempt fails is dialled again later, as a new outbound call, and
the operator reserved for the failed attempt is free; a late report of the earlier attempt
changes nothing. The attempt's end is applied however we learn it: the carrier's status
callback, the reconciliation reading the carrier's REST API when that callback was lost, or the
sweep of attempts still 'being dialled' after their call ended."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.utils import format_datetime

import pytest
from flask import Flask
from sqlalchemy import select

from answering import callbacks
from answering.models import Call, CallbackRequest
from answering.providers import TwilioTelephony
from answering.reconcile import reconcile
from answering.simulator.carrier import ACCOUNT, SimulatedCarrier
from scheduling.models import OperatorState
from tenants.config import settings_from
from tenants.db import db, utcnow
from tests.answering.calls import answered_call, operator, two_shops
from tests.conftest import system


@pytest.fixture
def carrier(app: Flask) -> Iterator[SimulatedCarrier]:
    """The carrier simulator's REST API as the application's carrier, for this test only."""
    made = SimulatedCarrier(
        target="http://127.0.0.1:9",  # nothing listens: its reports to us are never delivered
        public_base=settings_from(app.config).public_base_url,
        sign=lambda u, p: "",
        operators=[],
        scale=0.01,
    )
    before = app.extensions.get("telephony")
    app.extensions["telephony"] = TwilioTelephony("token", ACCOUNT, made.media.url)
    yield made
    if before is None:
        app.extensions.pop("telephony", None)
    else:
        app.extensions["telephony"] = before
    made.close()


def first_attempt(app: Flask, now: datetime) -> tuple[uuid.UUID, uuid.UUID]:
    """A caller asked to be called back; the ready operator is reserved and the carrier took our
    outbound call CAout (the callback's first attempt). The operator's and the callback's ids."""
    two_shops(app)
    operator_id, _ = operator(app)
    answered_call(app, app.test_client())
    with system(app) as session:
        free = session.get(OperatorState, operator_id)
        assert free is not None
        free.state, free.call_sid, free.after_call_until = "ready", None, None
        asked = session.scalars(select(Call).where(Call.call_sid == "CA1")).one()
        row = callbacks.request(asked, now)
        assert callbacks.dial(row, now)
        row.outbound_sid = "CAout"
        callbacks.outbound_record(row, "CAout", now)
        callback_id = row.id
    with system(app) as session:
        state = session.get(OperatorState, operator_id)
        assert state is not None
        assert state.call_sid == f"callback:{callback_id}"
    return operator_id, callback_id


def callback_of(callback_id: uuid.UUID) -> CallbackRequest:
    """The callback, read in the open transaction (inside `system`)."""
    return db.session.scalars(
        select(CallbackRequest).where(CallbackRequest.id == callback_id)
    ).one()


def test_a_failed_attempt_is_dialled_again_as_a_new_call(
    app: Flask, carrier: SimulatedCarrier
) -> None:
    now = utcnow()
    operator_id, callback_id = first_attempt(app, now)
    with system(app) as session:
        row = callback_of(callback_id)
        callbacks.outbound_status(row, "CAout", "no-answer", now)
        assert (row.status, row.attempts, row.outbound_sid) == ("waiting", 1, None)
        assert row.next_attempt_at == now + callbacks.RETRY_AFTER
        state = session.get(OperatorState, operator_id)
        assert state is not None
        assert (state.state, state.call_sid) == ("ready", None)

    later = now + callbacks.RETRY_AFTER
    with system(app) as session:  # its turn again: the job that places the call runs on commit
        assert callbacks.dial(callback_of(callback_id), later)
    with system(app) as session:
        row = callback_of(callback_id)
        assert (row.status, row.attempts) == ("dialling", 2)
        assert row.outbound_sid not in (None, "CAout")  # a new call, placed by the carrier
        assert [run.sid for run in carrier.outbound] == [row.outbound_sid]
        assert carrier.outbound[0].caller.dialled == row.caller
        # The first attempt's report, late or repeated, does not end the second one.
        callbacks.outbound_status(row, "CAout", "no-answer", later)
        assert row.status == "dialling"


def test_a_callback_whose_end_was_lost_is_tried_again_and_frees_its_operator(
    app: Flask, carrier: SimulatedCarrier
) -> None:
    now = utcnow()
    operator_id, callback_id = first_attempt(app, now - timedelta(minutes=15))
    ended = now - timedelta(minutes=14)
    carrier._keep("CAout", status="no-answer", end_time=format_datetime(ended), duration=0)
    with system(app):
        repaired = reconcile(app.extensions["telephony"], now)
    assert repaired["status"] == 1

    with system(app) as session:
        row = callback_of(callback_id)
        assert (row.status, row.attempts, row.operator_id) == ("waiting", 1, None)
        assert row.next_attempt_at == now + callbacks.RETRY_AFTER
        state = session.get(OperatorState, operator_id)
        assert state is not None
        assert (state.state, state.call_sid) == ("ready", None)
        out = session.scalars(select(Call).where(Call.call_sid == "CAout")).one()
        assert (out.outcome, out.carrier_status) == ("failed", "no-answer")


def test_a_callback_left_dialling_after_its_call_ended_is_settled_by_the_sweep(app: Flask) -> None:
    """Repairs what an earlier release left: the outbound call's record ended, the callback
    still 'being dialled' and its operator still holding it."""
    now = utcnow()
    operator_id, callback_id = first_attempt(app, now - timedelta(minutes=10))
    with system(app) as session:
        out = session.scalars(select(Call).where(Call.call_sid == "CAout")).one()
        out.ended_at, out.outcome, out.carrier_status = now, "failed", "busy"
    with system(app):
        assert callbacks.settle_stale(now, timedelta(minutes=2)) == 0  # just ended: not yet
        later = now + timedelta(minutes=3)
        assert callbacks.settle_stale(later, timedelta(minutes=2)) == 1
    with system(app) as session:
        row = callback_of(callback_id)
        assert (row.status, row.operator_id, row.outbound_sid) == ("waiting", None, None)
        state = session.get(OperatorState, operator_id)
        assert state is not None
        assert (state.state, state.call_sid) == ("ready", None)
    with system(app):
        assert callbacks.settle_stale(later, timedelta(minutes=2)) == 0  # once
