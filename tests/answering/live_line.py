"""A live line for tests of the call controls: the application on a real port, the simulated
carrier running our TwiML and answering the REST API (the twilio library pointed at it), and two
operators and a supervisor whose simulated phones pick up and talk until the call is changed."""

from __future__ import annotations

import dataclasses
import random
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from answering import routing
from answering.carrier_views import telephony
from answering.models import Call, CallControl
from answering.providers import TwilioTelephony
from answering.simulator.carrier import ACCOUNT, CallRun, SimulatedCarrier
from answering.simulator.people import Caller, Operator
from answering.simulator.scenario import compressed_time, serving
from scheduling.models import OperatorState
from tenants.config import settings_from
from tenants.db import utcnow
from tenants.models import Shop, StaffRole
from tenants.numbers import services as numbers
from tests.conftest import csrf_token, log_in, system
from tests.factories import PASSWORD, make_shop, make_staff

SCALE = 0.01  # one carrier second takes 10 ms
ALPHA, BETA = "+81345000001", "+81345000002"
T = TypeVar("T")


@dataclass
class Line:
    app: Flask
    carrier: SimulatedCarrier
    operator_id: uuid.UUID
    supervisor_id: uuid.UUID
    calls: ThreadPoolExecutor
    other_id: uuid.UUID

    @contextmanager
    def not_picking_up(self, person: uuid.UUID) -> Iterator[None]:
        """This person lets their phone ring out meanwhile (away from the desk)."""
        phone = self.carrier.operators[routing.identity(person)]
        before, phone.answers = phone.answers, 0.0
        try:
            yield
        finally:
            phone.answers = before

    def console(self, email: str = "op@answering.example.jp") -> FlaskClient:
        client = self.app.test_client()
        log_in(client, email, PASSWORD)
        return client

    def ring(self, number: str = ALPHA, caller: str = "+819011112222") -> Future[CallRun]:
        """A caller rings the shop, presses 1 and waits as long as it takes."""
        person = Caller(number=caller, dialled=number, digits="1", patience_s=1e6, message_s=0)
        return self.calls.submit(self.carrier.place, person)

    def answered(self, caller: str = "+819011112222") -> Call:
        """The caller's call once the operator has picked it up."""
        return eventually(lambda: self._answered(caller))

    def _answered(self, caller: str) -> Call | None:
        found = self.call_of(caller)
        return found if found is not None and found.answered_at is not None else None

    def call_of(self, caller: str) -> Call | None:
        with system(self.app) as session:
            found = session.scalars(
                select(Call).where(Call.from_number == caller).order_by(Call.arrived_at.desc())
            ).first()
            if found is not None:
                session.expunge(found)
            return found

    def state(self, person: uuid.UUID) -> OperatorState:
        with system(self.app) as session:
            found = session.get(OperatorState, person)
            assert found is not None
            session.expunge(found)
            return found

    def controls(self, call: Call) -> list[str]:
        with system(self.app) as session:
            return list(
                session.scalars(
                    select(CallControl.action)
                    .where(CallControl.call_id == call.id)
                    .order_by(CallControl.at, CallControl.id)
                )
            )

    def quiet(self) -> None:
        """A line as if new: the callers of earlier tests hang up (their operators' phones are
        free again), their callbacks are delivered, and everybody is offline."""
        for call in list(self.carrier.live.values()):
            self.carrier.update_call(call.sid, "hangup", "")
        eventually(lambda: not self.carrier.live)
        self.carrier.deliverer.drain()
        with system(self.app) as session:
            for row in session.scalars(select(OperatorState)):
                row.state, row.call_sid, row.reason = "offline", None, None
                row.since, row.after_call_until = utcnow(), None

    def ready(self, *people: uuid.UUID) -> None:
        with system(self.app) as session:
            for person in people:
                row = session.get(OperatorState, person)
                if row is None:
                    row = OperatorState(operator_id=person)
                    session.add(row)
                row.state, row.call_sid, row.reason = "ready", None, None
                row.since, row.after_call_until = utcnow() - timedelta(minutes=1), None

    def offline(self, *people: uuid.UUID) -> None:
        with system(self.app) as session:
            for person in people:
                row = session.get(OperatorState, person)
                if row is not None:
                    row.state, row.call_sid, row.reason = "offline", None, None
                    row.since, row.after_call_until = utcnow(), None

    @contextmanager
    def ring_timeout(self, seconds: int) -> Iterator[None]:
        """Phones ring this long (carrier seconds) before the dial gives up, meanwhile."""
        settings = self.app.config["SETTINGS"]
        self.app.config["SETTINGS"] = dataclasses.replace(settings, ring_timeout_s=seconds)
        try:
            yield
        finally:
            self.app.config["SETTINGS"] = settings


def eventually(check: Callable[[], T | None], timeout_s: float = 20) -> T:
    """What `check` returns once it is something (the carrier and its callbacks run in threads)."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, "the line did not get there"
        time.sleep(0.02)


def control(line: Line, client: FlaskClient, call_sid: str, name: str, **form: str) -> Any:
    token = csrf_token(client, "/console")
    return client.post(f"/console/calls/{call_sid}/{name}", data={"csrf_token": token, **form})


@contextmanager
def live_line(app: Flask, scale: float = SCALE) -> Iterator[Line]:
    make_shop(app, "alpha")
    make_shop(app, "beta")
    with system(app) as session:
        for index, slug in enumerate(("alpha", "beta"), 1):
            shop = session.scalars(select(Shop).where(Shop.slug == slug)).one()
            number = numbers.add_to_pool(f"03-4500-000{index}", kind="phone")
            session.flush()
            numbers.rent(shop, number.id, actor=None, ip=None)
            from tenants.coverage import services as coverage

            week = {d: "00:00-24:00" for d in range(7)}
            coverage.save_version(shop, None, coverage.WeekInput(week, "as_weekday", "", None))
    operator_id = uuid.UUID(
        make_staff(app, StaffRole.OPERATOR, "op@answering.example.jp")["user_id"]
    )
    other_id = uuid.UUID(
        make_staff(app, StaffRole.OPERATOR, "other@answering.example.jp")["user_id"]
    )
    supervisor_id = uuid.UUID(
        make_staff(app, StaffRole.SUPERVISOR, "lead@answering.example.jp")["user_id"]
    )
    phones = [
        Operator(routing.identity(person), 1.0, random.Random(n), talk_for=1e6)
        for n, person in enumerate((operator_id, supervisor_id, other_id))
    ]
    token = getattr(telephony(app), "auth_token", "")
    with compressed_time(app, scale), serving(app) as target:
        carrier = SimulatedCarrier(
            target=target,
            public_base=settings_from(app.config).public_base_url,
            sign=telephony(app).sign,
            operators=phones,
            scale=scale,
        )
        before = app.extensions.get("telephony")
        app.extensions["telephony"] = TwilioTelephony(token, ACCOUNT, carrier.media.url)
        pool = ThreadPoolExecutor(max_workers=4)
        try:
            yield Line(app, carrier, operator_id, supervisor_id, pool, other_id)
        finally:
            for call in list(carrier.live.values()):
                carrier.update_call(call.sid, "hangup", "")
            pool.shutdown(wait=True)
            carrier.close()
            app.extensions["telephony"] = before
