"""The mail server and the shop's webhook down for a while, then back: calls to よる商店 leave
voicemails meanwhile; every message is stored at once and delivered once both are back."""

from __future__ import annotations

import time
from dataclasses import dataclass

from tenants.db import utcnow
from tests.faults.calls import during
from tests.faults.world import World

DOWN_S = 10.0


@dataclass
class Outcome:
    stored_while_down: int
    delivered_while_down: int
    messages: dict[str, int]
    emails: int
    webhook_events: int
    calls_complete: int
    calls: int

    @property
    def lost(self) -> int:
        stored = self.messages["stored"]
        return (
            (self.calls - self.calls_complete)
            + stored
            - self.messages.get("email delivered", 0)
            + stored
            - self.messages.get("webhook delivered", 0)
        )

    def lines(self) -> list[str]:
        m = self.messages
        return [
            f"down for             {DOWN_S:.0f} s and more, while {self.calls} calls came in",
            f"calls complete       {self.calls_complete} of {self.calls}",
            f"messages stored      {m['stored']}  ({self.stored_while_down} while down, {self.delivered_while_down} of their deliveries went through then)",
            f"  e-mail delivered   {m.get('email delivered', 0)}  (mails received {self.emails})",
            f"  webhook delivered  {m.get('webhook delivered', 0)}  (events received {self.webhook_events})",
            f"lost                 {self.lost}",
        ]


def down_then_up(world: World, calls: int = 40) -> Outcome:
    since = utcnow()
    emails, events = len(world.smtp.messages), len(world.receiver.events)
    world.smtp.stop()
    world.receiver.stop()
    began = time.monotonic()
    try:
        placed = during(world, "mail-down", None, calls=calls, settle=False)
        time.sleep(max(0.0, DOWN_S - (time.monotonic() - began)))
        while_down = world.messages_since(since)
    finally:
        world.smtp.start()
        world.receiver.start()
    delivered_then = while_down.get("email delivered", 0) + while_down.get("webhook delivered", 0)
    messages = world.settle(since, timeout_s=120)
    return Outcome(
        while_down["stored"],
        delivered_then,
        messages,
        len(world.smtp.messages) - emails,
        len({e["id"] for e in world.receiver.events[events:]}),
        placed.report.complete,
        placed.report.placed,
    )
