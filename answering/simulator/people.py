"""The simulated people at both ends: callers (what they press, how long they wait) and operators
(whether and when they pick up, how long they talk). All durations are in carrier seconds, which the
carrier scales down to run a day's calls in a minute."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Caller:
    number: str
    dialled: str
    digits: str | None  # the key pressed at a voice menu (None: no key)
    patience_s: float  # how long they wait in the queue before hanging up
    message_s: int  # the length of a voicemail they leave after hours
    wants_callback: bool = False  # presses 1 when offered a callback that keeps their place


@dataclass
class Operator:
    """An operator's phone; notes any second call offered while one is in progress."""

    identity: str
    answers: float  # the chance they pick up a ringing call
    rng: random.Random
    busy: bool = False
    double_booked: int = 0
    calls_taken: int = 0
    talk_for: float | None = None  # talks this long on every call (None: a random length)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def offer(self) -> bool:
        """The phone rings: False when it was already in a call (a double booking)."""
        with self.lock:
            if self.busy:
                self.double_booked += 1
                return False
            self.busy = True
            return True

    def hang_up(self) -> None:
        with self.lock:
            self.busy = False

    def picks_up(self, ring_timeout_s: float) -> float | None:
        """After how many seconds they answer, or None if they let it ring out."""
        if self.rng.random() >= self.answers:
            return None
        return min(self.rng.uniform(1.0, 6.0), ring_timeout_s)

    def talk_s(self) -> float:
        if self.talk_for is not None:
            return self.talk_for
        return self.rng.lognormvariate(4.4, 0.5)  # a median of about 80 s


def callers(
    count: int,
    dialled: list[str],
    rng: random.Random,
    *,
    menu_keys: str = "12",
    callback_share: float = 0.0,
) -> list[Caller]:
    """Callers of the given numbers in turn: most wait a minute or more, some give up early."""
    made = []
    for n in range(count):
        impatient = rng.random() < 0.1
        made.append(
            Caller(
                number=f"+8190{rng.randrange(10**8):08d}",
                dialled=dialled[n % len(dialled)],
                digits=rng.choice(menu_keys) if menu_keys and rng.random() < 0.8 else None,
                patience_s=rng.uniform(2, 20) if impatient else rng.uniform(300, 900),
                message_s=rng.randrange(5, 60),
                wants_callback=rng.random() < callback_share,
            )
        )
    return made
