"""A callback we place whose end the carrier never reported: the reconciliation reads the call
from the carrier's REST API and does what the lost status callback would have done. The attempt
failed, so the caller is called again later, and the operator reserved for it is free again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from answering import callbacks
from answering.models import Call, CallbackRequest
from answering.providers import TwilioTelephony
from answering.reconcile import reconcile
from answering.simulator.carrier import ACCOUNT, SimulatedCarrier
from scheduling.models import OperatorState
from tenants.db import utcnow
from tests.answering.calls import answered_call, operator, two_shops
from tests.conftest import system


@pytest.fixture
def carrier() -> Iterator[SimulatedCarrier]:
    made = SimulatedCarrier(
        target="http://127.0.0.1:9",
        public_base="http://localhost",
        sign=lambda u, p: "",
        operators=[],
    )
    yield made
    made.close()


def test_a_callback_whose_end_was_lost_is_tried_again_and_frees_its_operator(
    app: Flask, carrier: SimulatedCarrier
) -> None:
    two_shops(app)
    operator_id, _ = operator(app)
    answered_call(app, app.test_client())  # the caller who asked to be called back, long ago
    with system(app) as session:
        free = session.get(OperatorState, operator_id)
        assert free is not None
        free.state, free.call_sid, free.after_call_until = "ready", None, None
        asked = session.scalars(select(Call).where(Call.call_sid == "CA1")).one()
        row = callbacks.request(asked, utcnow())
        assert callbacks.dial(row, utcnow())  # the operator is reserved for it
        row.outbound_sid = "CAout"  # the carrier took the call; its status callback is lost
        callbacks.outbound_record(row, "CAout", utcnow() - timedelta(minutes=15))
        callback_id = row.id
    with system(app) as session:
        state = session.get(OperatorState, operator_id)
        assert state is not None
        assert state.call_sid == f"callback:{callback_id}"

    carrier._keep(
        "CAout", status="no-answer", end_time="Tue, 24 Nov 2026 07:00:00 +0000", duration=0
    )
    asking = TwilioTelephony("token", ACCOUNT, carrier.media.url)
    with system(app) as session:
        repaired = reconcile(asking, utcnow())
    assert repaired["status"] == 1

    with system(app) as session:
        row = session.scalars(
            select(CallbackRequest).where(CallbackRequest.id == callback_id)
        ).one()
        assert (row.status, row.attempts, row.operator_id) == ("waiting", 1, None)
        assert row.next_attempt_at > utcnow() + timedelta(minutes=4)  # the next try, later
        state = session.get(OperatorState, operator_id)
        assert state is not None
        assert (state.state, state.call_sid) == ("ready", None)
        out = session.scalars(select(Call).where(Call.call_sid == "CAout")).one()
        assert (out.outcome, out.carrier_status) == ("failed", "no-answer")


def test_a_callback_left_dialling_after_its_call_ended_is_settled_by_the_sweep(app: Flask) -> None:
    """Repairs what an earlier release left: the outbound call's record ended, the callback
    still 'being dialled' and its operator still holding it."""
    two_shops(app)
    operator_id, _ = operator(app)
    answered_call(app, app.test_client())
    with system(app) as session:
        free = session.get(OperatorState, operator_id)
        assert free is not None
        free.state, free.call_sid, free.after_call_until = "ready", None, None
        asked = session.scalars(select(Call).where(Call.call_sid == "CA1")).one()
        row = callbacks.request(asked, utcnow())
        assert callbacks.dial(row, utcnow())
        row.outbound_sid = "CAout"
        out = callbacks.outbound_record(row, "CAout", utcnow() - timedelta(minutes=10))
        out.ended_at, out.outcome, out.carrier_status = utcnow(), "failed", "busy"
        callback_id = row.id
    with system(app):
        assert callbacks.settle_stale(utcnow(), timedelta(minutes=2)) == 0  # just ended: not yet
        later = utcnow() + timedelta(minutes=3)
        assert callbacks.settle_stale(later, timedelta(minutes=2)) == 1
    with system(app) as session:
        row = session.scalars(
            select(CallbackRequest).where(CallbackRequest.id == callback_id)
        ).one()
        assert (row.status, row.operator_id) == ("waiting", None)
        state = session.get(OperatorState, operator_id)
        assert state is not None
        assert (state.state, state.call_sid) == ("ready", None)
    with system(app):
        assert callbacks.settle_stale(later, timedelta(minutes=2)) == 0  # once
