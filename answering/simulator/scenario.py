"""A simulation run: our application on a real port, the simulated carrier calling its real
endpoints, simulated operators answering; then every call the carrier placed is checked against the
record we kept."""

from __future__ import annotations

import dataclasses
import random
import secrets
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.serving import make_server

from answering import callbacks, operator_phones, reports, routing
from answering.carrier_views import telephony
from answering.models import Call, CallbackRequest
from answering.providers import TwilioTelephony
from answering.reconcile import reconcile
from answering.simulator.carrier import ACCOUNT, CallRun, SimulatedCarrier
from answering.simulator.delivery import DeliveryOptions
from answering.simulator.people import Caller, Operator, callers
from scheduling import agents
from scheduling.models import OperatorState
from tenants.config import settings_from
from tenants.coverage.services import is_covered
from tenants.db import db, utcnow
from tenants.models import Shop, StaffRole, User
from tenants.numbers.models import PhoneNumber
from tenants.scheduler import in_system_scope
from tenants.services import create_user

SIM_DOMAIN = "simulator.answering.example.jp"


class SimulationRefused(ValueError):
    """The run cannot start as asked; the message says why (in English, for the command line),
    and `code` with `count` let a page say it in the reader's language."""

    def __init__(self, message: str, *, code: str = "other", count: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.count = count


@dataclass(frozen=True)
class Plan:
    calls: int
    concurrency: int
    operators: int
    shops: tuple[str, ...] = ()
    duplicate_callbacks: bool = False
    shuffle_callbacks: bool = False
    scale: float = 0.01  # one carrier second takes this many real seconds
    answer_chance: float = 0.97
    seed: int = 1
    lose_callbacks: float = 0.0  # the share of callbacks the carrier never delivers
    callback_share: float = 0.0  # the share of callers who take the callback offer
    # Where the application listens; None serves this application on a free port with its clocks
    # compressed like the carrier's. Another server must run with AFTER_CALL_WORK_S and
    # SHORT_ABANDON_S scaled likewise and the same carrier token (or SECRET_KEY).
    target: str | None = None


@dataclass
class Report:
    placed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)  # what we recorded
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    complete: int = 0
    incomplete: list[str] = field(default_factory=list)
    double_booked: int = 0
    lost: int = 0
    repaired: int = 0
    callbacks: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    callbacks_failed: int = 0
    seconds: float = 0.0

    def lines(self) -> list[str]:
        rate = f"{self.answered / self.offered:.1%}" if self.offered else "-"
        return [
            f"calls placed       {self.placed}",
            f"offered            {self.offered}",
            f"answered           {self.answered}  (answer rate {rate})",
            f"abandoned          {self.abandoned}",
            f"short abandons     {self.short_abandoned}",
            "outcomes           " + ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items())),
            f"records complete   {self.complete}",
            f"records incomplete {len(self.incomplete)}",
            f"double bookings    {self.double_booked}",
            f"callbacks given up {self.callbacks_failed}",
            f"callbacks lost     {self.lost}  (repaired by reconciliation: {self.repaired})",
            "keep-your-place    "
            + (", ".join(f"{k} {v}" for k, v in sorted(self.callbacks.items())) or "none"),
            f"requests           {self.requests} in {self.seconds:.1f} s "
            f"({self.requests / max(self.seconds, 1e-9):.0f}/s)",
        ]


def dialled_numbers(slugs: tuple[str, ...]) -> list[str]:
    """The phone numbers the chosen shops (all live shops when none) rent now."""
    query = (
        select(PhoneNumber.e164, Shop.slug)
        .join(Shop, Shop.id == PhoneNumber.rented_by_shop_id)
        .where(PhoneNumber.status == "rented", PhoneNumber.kind == "phone")
    )
    rows = db.session.execute(query).all()
    if slugs:
        unknown = set(slugs) - {slug for _, slug in rows}
        if unknown:
            raise SimulationRefused("no rented phone number for: " + ", ".join(sorted(unknown)))
        rows = [row for row in rows if row.slug in slugs]
    if not rows:
        raise SimulationRefused("no shop rents a phone number: rent one first", code="no_numbers")
    return sorted(e164 for e164, _ in rows)


def shops_outside_hours(at: datetime) -> tuple[list[str], int]:
    """The names of the shops with a phone number that we do not answer for at `at` (their
    callers hear the after-hours message), and how many shops have a number at all."""
    rows = db.session.execute(
        select(Shop.id, Shop.name)
        .join(PhoneNumber, PhoneNumber.rented_by_shop_id == Shop.id)
        .where(PhoneNumber.status == "rented", PhoneNumber.kind == "phone")
        .distinct()
        .order_by(Shop.name)
    ).all()
    return [name for shop_id, name in rows if not is_covered(shop_id, at)], len(rows)


def simulated_operators(count: int) -> list[User]:
    """`count` operators who exist only for simulations, made ready; every other ready operator
    is left alone but will not be rung, as their phones are not part of the simulation."""
    found = []
    for n in range(1, count + 1):
        email = f"sim-operator-{n}@{SIM_DOMAIN}"
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(
                email=email,
                display_name=f"模擬オペレーター{n}",
                password=secrets.token_urlsafe(24),
                staff_role=StaffRole.OPERATOR,
            )
            db.session.flush()
        state = agents.state_of(user)
        if state.state == "on_call" and state.call_sid:  # left so by an interrupted run
            agents.release(user.id, state.call_sid, "ready", utcnow(), timedelta(0))
        agents.set_state(user, "ready", reason=None, actor=user)
        found.append(user)
    return found


def other_ready_operators() -> list[str]:
    """Real operators who are ready (or about to be): a simulation would ring their phones."""
    return [
        str(operator_id)
        for operator_id in db.session.scalars(
            select(OperatorState.operator_id)
            .join(User, User.id == OperatorState.operator_id)
            .where(
                OperatorState.state.in_(("ready", "after_call_work")),
                ~User.email.endswith(f"@{SIM_DOMAIN}"),
            )
        )
    ]


def numbers_to_dial(plan: Plan) -> list[str]:
    """The numbers this plan would ring, or SimulationRefused saying what stops it from running
    now (no number to dial, real operators ready); changes nothing, so the page can say so
    before anything starts."""
    if plan.calls < 1 or plan.concurrency < 1 or plan.operators < 1:
        raise SimulationRefused("calls, concurrency and operators must each be at least 1")
    if not 0 < plan.scale <= 1:
        raise SimulationRefused("scale must be above 0 and at most 1")
    numbers = dialled_numbers(plan.shops)
    others = other_ready_operators()
    if others:
        raise SimulationRefused(
            f"{len(others)} other operators are ready: their phones would be rung; "
            "set them offline or not ready first",
            code="operators_ready",
            count=len(others),
        )
    return numbers


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@contextmanager
def compressed_time(app: Flask, scale: float) -> Iterator[None]:
    """Run the application's clocks at the carrier's pace for the simulation, then restore them."""
    settings = settings_from(app.config)
    app.config["SETTINGS"] = dataclasses.replace(
        settings,
        short_abandon_s=round(settings.short_abandon_s * scale),
        after_call_work_s=round(settings.after_call_work_s * scale),
        carrier_webhook_limit="100000 per second",
    )
    hosts = app.config.get("CARRIER_MEDIA_HOSTS")
    private = app.config.get("CARRIER_MEDIA_ALLOW_PRIVATE")
    app.config["CARRIER_MEDIA_HOSTS"] = ("127.0.0.1",)
    app.config["CARRIER_MEDIA_ALLOW_PRIVATE"] = True
    try:
        yield
    finally:
        app.config["SETTINGS"] = settings
        for key, value in (
            ("CARRIER_MEDIA_HOSTS", hosts),
            ("CARRIER_MEDIA_ALLOW_PRIVATE", private),
        ):
            if value is None:
                app.config.pop(key, None)
            else:
                app.config[key] = value


@contextmanager
def _application(app: Flask, plan: Plan) -> Iterator[str]:
    if plan.target is not None:
        yield plan.target
        return
    with compressed_time(app, plan.scale), serving(app) as target:
        yield target


def run(app: Flask, plan: Plan, progress: Callable[[int], None] | None = None) -> Report:
    with in_system_scope(app):  # a refusal raised in here rolls back: nobody was made ready
        numbers = numbers_to_dial(plan)
        operator_ids = [user.id for user in simulated_operators(plan.operators)]
        # each simulated operator answers where routing rings them: browser, number or SIP
        identities = [operator_phones.phone_of(operator_id).address for operator_id in operator_ids]
    try:
        return _simulate(app, plan, numbers, operator_ids, identities, progress)
    finally:
        _offline(app, operator_ids)


def _simulate(
    app: Flask,
    plan: Plan,
    numbers: list[str],
    operator_ids: list[uuid.UUID],
    identities: list[str],
    progress: Callable[[int], None] | None,
) -> Report:
    rng = random.Random(plan.seed)  # noqa: S311 - simulated behaviour, not secrets
    phones = [
        Operator(identity, plan.answer_chance, random.Random(rng.random()))  # noqa: S311
        for identity in identities
    ]
    people = callers(plan.calls, numbers, rng, callback_share=plan.callback_share)
    delivery = DeliveryOptions(
        duplicate=plan.duplicate_callbacks,
        shuffle=plan.shuffle_callbacks,
        max_delay_s=2.0 * plan.scale,
        lose=plan.lose_callbacks,
    )
    started = time.monotonic()
    with _application(app, plan) as target:
        carrier = SimulatedCarrier(
            target=target,
            public_base=settings_from(app.config).public_base_url,
            sign=telephony(app).sign,
            operators=phones,
            scale=plan.scale,
            delivery=delivery,
            senders=max(8, plan.concurrency),
        )
        back = _ReadyAgain(app, operator_ids, scale=plan.scale)
        with _media_host(app, carrier):
            try:
                with _carrier_api(app, carrier, plan):
                    runs = _place_all(carrier, people, plan, rng, progress)
                    _callbacks_settled(app, timeout_s=600 * plan.scale + 30)
                    carrier.wait_for_outbound()
                carrier.deliverer.drain()
                back.stop()
                # Callbacks lost, or given up after the carrier's retries: the reconciliation asks.
                gaps = carrier.deliverer.lost or carrier.deliverer.failed
                repaired = _reconcile(app, carrier) if gaps else Counter()
            finally:
                back.stop()
                carrier.close()
        report = check(app, runs + carrier.outbound)
        report.callbacks = _callback_counts(app)
        report.lost = carrier.deliverer.lost
        report.repaired = repaired["status"] + repaired["recording"]
        report.requests = next(carrier.requests)
        report.callbacks_failed = len(carrier.deliverer.failed)
    report.double_booked = sum(phone.double_booked for phone in phones)
    report.seconds = time.monotonic() - started
    return report


def _offline(app: Flask, operator_ids: list[uuid.UUID]) -> None:
    """The simulated operators leave when the run ends, however it ends: real callers are never
    routed to them and the boards do not count them."""
    with in_system_scope(app):
        for operator_id in operator_ids:
            user = db.session.get(User, operator_id)
            state = db.session.get(OperatorState, operator_id)
            if user is not None and state is not None and state.state != "on_call":
                agents.set_state(user, "offline", reason=None, actor=user)


class _ReadyAgain:
    """What a simulated operator does on the console after missing a call: a while after being
    set not ready, they press "ready" again (real operators do; the carrier cannot). And what the
    periodic sweep does for operators whose leg's last callback was lost, at the carrier's pace."""

    def __init__(self, app: Flask, operator_ids: list[uuid.UUID], *, scale: float) -> None:
        self.app, self.operator_ids, self.scale = app, operator_ids, scale
        self.after = timedelta(seconds=30 * scale)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.stopped.wait(max(0.05, self.after.total_seconds())):
            try:
                self._round()
            except SQLAlchemyError:
                continue  # the database is away for a moment (a restart): the next round retries

    def _round(self) -> None:
        with in_system_scope(self.app):
            missed = db.session.scalars(
                select(OperatorState).where(
                    OperatorState.operator_id.in_(self.operator_ids),
                    OperatorState.state == "not_ready",
                    OperatorState.since < utcnow() - self.after,
                )
            ).all()
            for state in missed:
                user = db.session.get(User, state.operator_id)
                if user is not None:
                    agents.set_state(user, "ready", reason=None, actor=user)
            now = utcnow()
            for _ in range(20):  # the 30-second job that dials callbacks, at once
                due = callbacks.earliest_due(now)
                if due is None or not callbacks.dial(due, now):
                    break
            # The one-minute sweep, at the carrier's pace.
            routing.release_stale(utcnow(), timedelta(0), routing.STALE_AFTER * self.scale)

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=10)


@contextmanager
def _carrier_api(app: Flask, carrier: SimulatedCarrier, plan: Plan) -> Iterator[None]:
    """The application's REST calls (callbacks) go to the simulator while it runs here."""
    if plan.target is not None:
        yield
        return
    before = app.extensions.get("telephony")
    token = getattr(telephony(app), "auth_token", "")
    app.extensions["telephony"] = TwilioTelephony(token, ACCOUNT, carrier.media.url)
    try:
        yield
    finally:
        app.extensions["telephony"] = before


@contextmanager
def _media_host(app: Flask, carrier: SimulatedCarrier) -> Iterator[None]:
    """The recording job may fetch from the simulator's media host (named with its port) until
    the last late callback is delivered, so the shop can play the simulated calls."""
    hosts = app.config.get("CARRIER_MEDIA_HOSTS")
    app.config["CARRIER_MEDIA_HOSTS"] = (*(hosts or ()), urlsplit(carrier.media.url).netloc)
    try:
        yield
    finally:
        if hosts is None:
            app.config.pop("CARRIER_MEDIA_HOSTS", None)
        else:
            app.config["CARRIER_MEDIA_HOSTS"] = hosts


def _callbacks_settled(app: Flask, timeout_s: float) -> None:
    """Wait until every callback asked for has been dialled (or given up)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with in_system_scope(app):
            open_ = db.session.scalar(
                select(func.count())
                .select_from(CallbackRequest)
                .where(
                    (CallbackRequest.status == "dialling")
                    | (
                        (CallbackRequest.status == "waiting")
                        & (CallbackRequest.next_attempt_at <= utcnow())
                    )
                )
            )
        if not open_:
            return
        time.sleep(0.1)


def _callback_counts(app: Flask) -> Counter[str]:
    with in_system_scope(app):
        rows = db.session.execute(
            select(CallbackRequest.status, func.count()).group_by(CallbackRequest.status)
        ).all()
    return Counter({status: count for status, count in rows})


def _reconcile(app: Flask, carrier: SimulatedCarrier) -> Counter[str]:
    """What the periodic reconciliation does, at once: ask the carrier's REST API (the
    simulator's) about every call a lost callback left open."""
    token = getattr(telephony(app), "auth_token", "")
    asking = TwilioTelephony(token, ACCOUNT, carrier.media.url)
    with in_system_scope(app):
        repaired = reconcile(asking, utcnow(), older_than=timedelta(0))
        # The sweep, at once: operators whose leg's last callback was lost.
        repaired["operators"] = routing.release_stale(utcnow(), timedelta(0), timedelta(0))
        return repaired


def _place_all(
    carrier: SimulatedCarrier,
    people: list[Caller],
    plan: Plan,
    rng: random.Random,
    progress: Callable[[int], None] | None,
) -> list[CallRun]:
    gaps = [rng.expovariate(1.0) * 2.0 * plan.scale for _ in people]
    with ThreadPoolExecutor(max_workers=plan.concurrency) as pool:
        futures = []
        for caller, gap in zip(people, gaps, strict=True):
            time.sleep(gap)
            futures.append(pool.submit(carrier.place, caller))
        runs = []
        for future in futures:
            runs.append(future.result())
            if progress:
                progress(1)
    return runs


EXPECTED = {
    "talked": ("answered",),
    "callback_requested": ("callback",),
    "not_reached": ("failed",),
    "refused_outbound": ("failed",),
    "hung_up_waiting": ("abandoned", "short_abandon"),
    "message": ("after_hours_message",),
    "refused": ("closed", "after_hours", "menu_hangup"),
}


def check(app: Flask, runs: list[CallRun]) -> Report:
    """Every call the carrier placed against the record we kept of it."""
    report = Report(placed=len(runs))
    counted: Counter[str] = Counter()  # outcomes the answer-rate report counts, as it counts them
    with in_system_scope(app):
        sids = [run.sid for run in runs]
        records: dict[str, Call] = {}
        for start in range(0, len(sids), 500):
            chunk = sids[start : start + 500]
            records.update(
                (call.call_sid, call)
                for call in db.session.scalars(select(Call).where(Call.call_sid.in_(chunk)))
            )
            for outcome, count in db.session.execute(
                select(Call.outcome, func.count())
                .where(Call.call_sid.in_(chunk), *reports.counted())
                .group_by(Call.outcome)
            ):
                counted[outcome] += count
        for run in runs:
            call = records.get(run.sid)
            if call is None:
                report.incomplete.append(f"{run.sid}: no record ({run.outcome})")
                continue
            report.outcomes[call.outcome] += 1
            problem = _problem(run, call)
            if problem:
                report.incomplete.append(f"{run.sid}: {problem}")
            else:
                report.complete += 1
    # Offered and answered as the answer-rate report has them: incoming calls in coverage (our
    # callbacks and out-of-hours calls are in `outcomes`, not offered).
    report.answered = counted["answered"]
    report.abandoned = counted["abandoned"]
    report.short_abandoned = counted["short_abandon"]
    report.offered = report.answered + report.abandoned
    return report


def _problem(run: CallRun, call: Call) -> str | None:
    if run.errors:
        return "; ".join(run.errors)
    seen = (
        "refused_outbound"
        if run.outcome == "refused" and call.direction == "outbound"
        else run.outcome
    )
    if call.outcome not in EXPECTED.get(seen, ()):
        return f"carrier saw {run.outcome}, record says {call.outcome}"
    if call.ended_at is None:
        return "no end time"
    if run.outcome == "talked":
        if (
            call.operator_id is None
            or run.talked_to != operator_phones.phone_of(call.operator_id).address
        ):
            return f"talked to {run.talked_to}, record names {call.operator_id}"
        if call.answered_at is None or call.recording_sid is None:
            return "answered without its answer time or recording"
    return None
