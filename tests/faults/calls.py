"""Faults during live calls: the simulated carrier places calls to both shops through gunicorn while
something breaks; then every call is compared with its record and every message with its deliveries."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from answering.simulator.scenario import Plan, Report, run
from tenants.db import utcnow
from tests.faults.world import World

CALLS = 60


@dataclass
class Outcome:
    name: str
    report: Report
    messages: dict[str, int]
    emails: int
    webhook_events: int
    done: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        stored = self.messages["stored"]
        return (
            len(self.report.incomplete)
            + stored
            - self.messages.get("email delivered", 0)
            + stored
            - self.messages.get("webhook delivered", 0)
        )

    def lines(self) -> list[str]:
        m = self.messages
        r = self.report
        return [
            f"faults done          {'; '.join(self.done) or 'none'}",
            f"calls offered        {r.placed}  (answered {r.answered}, abandoned {r.abandoned}, voicemail {r.outcomes['after_hours_message']})",
            f"records complete     {r.complete} of {r.placed}  (incomplete {len(r.incomplete)}; repaired by reconciliation {r.repaired}; callbacks given up {r.callbacks_failed})",
            f"messages stored      {m['stored']}",
            f"  e-mail delivered   {m.get('email delivered', 0)}  (mails received {self.emails})",
            f"  webhook delivered  {m.get('webhook delivered', 0)}  (events received {self.webhook_events})",
            f"double bookings      {r.double_booked}",
            f"lost                 {self.lost}",
            *(f"  incomplete: {problem}" for problem in r.incomplete[:5]),
        ]


def during(
    world: World,
    name: str,
    fault: Callable[[], str] | None,
    *,
    at: tuple[float, ...] = (),
    duplicate: bool = False,
    calls: int = CALLS,
    settle: bool = True,
) -> Outcome:
    """Run `calls` calls; at each of the `at` seconds do `fault` (it says what it did)."""
    since = utcnow()
    emails, events = len(world.smtp.messages), len(world.receiver.events)
    done: list[str] = []
    stop = threading.Event()

    def inject() -> None:
        started = time.monotonic()
        for moment in at:
            if stop.wait(max(0.0, started + moment - time.monotonic())):
                return
            assert fault is not None
            try:
                done.append(f"{fault()} at {moment:.0f} s")
            except Exception as failed:  # the figures say what could not be done
                done.append(f"not done at {moment:.0f} s: {failed}")

    injector = threading.Thread(target=inject, daemon=True)
    injector.start()
    try:
        report = run(
            world.app,
            Plan(
                calls=calls,
                concurrency=16,
                operators=8,
                duplicate_callbacks=duplicate,
                shuffle_callbacks=duplicate,
                scale=0.01,
                target=world.processes.base,
                seed=len(name),
            ),
        )
    finally:
        stop.set()
        injector.join()
    messages = world.settle(since) if settle else world.messages_since(since)
    return Outcome(
        name,
        report,
        messages,
        len(world.smtp.messages) - emails,
        len({e["id"] for e in world.receiver.events[events:]}),
        done,
    )
