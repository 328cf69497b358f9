"""Callbacks as the carrier sends them: each on its own time, optionally late, twice, or in another
order than the events happened; a refused one (503, a connection error) is retried, like Twilio's
connection-override retries."""

from __future__ import annotations

import heapq
import itertools
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Send = Callable[[str, dict[str, str]], int]


@dataclass
class DeliveryOptions:
    duplicate: bool = False  # every callback is sent twice
    shuffle: bool = False  # each callback waits a random while, so they overtake each other
    max_delay_s: float = 0.0  # the longest such wait (already scaled)
    lose: float = 0.0  # the share of callbacks never delivered (the reconciliation repairs them)
    retries: int = 5
    retry_after_s: float = 0.05


@dataclass(order=True)
class _Pending:
    due: float
    order: int
    url: str = field(compare=False)
    params: dict[str, str] = field(compare=False)
    attempt: int = field(compare=False, default=0)


class Deliverer:
    """Background threads that post callbacks when they fall due."""

    def __init__(
        self, send: Send, options: DeliveryOptions, *, threads: int = 4, seed: int = 0
    ) -> None:
        self.send, self.options = send, options
        self.random = random.Random(seed)  # noqa: S311 - simulated delays, not secrets
        self.heap: list[_Pending] = []
        self.counter = itertools.count()
        self.cond = threading.Condition()
        self.in_flight = 0
        self.stopping = False
        self.sent = 0
        self.failed: list[tuple[str, dict[str, str], int]] = []
        self.lost = 0
        self.workers = [threading.Thread(target=self._work, daemon=True) for _ in range(threads)]
        for worker in self.workers:
            worker.start()

    def post(self, url: str, params: dict[str, str]) -> None:
        copies = 2 if self.options.duplicate else 1
        with self.cond:
            if self.options.lose and self.random.random() < self.options.lose:
                self.lost += 1
                return
            for _ in range(copies):
                delay = (
                    self.random.uniform(0, self.options.max_delay_s) if self.options.shuffle else 0
                )
                heapq.heappush(
                    self.heap, _Pending(time.monotonic() + delay, next(self.counter), url, params)
                )
            self.cond.notify_all()

    def _work(self) -> None:
        while True:
            with self.cond:
                while not self.stopping and (not self.heap or self.heap[0].due > time.monotonic()):
                    timeout = self.heap[0].due - time.monotonic() if self.heap else None
                    self.cond.wait(timeout)
                if self.stopping and not self.heap:
                    return
                item = heapq.heappop(self.heap)
                self.in_flight += 1
            try:
                status = self.send(item.url, item.params)
            except OSError:
                status = 0
            with self.cond:
                self.in_flight -= 1
                if status in (0, 429, 503) or status >= 500:
                    if item.attempt < self.options.retries:
                        item.attempt += 1
                        item.due = time.monotonic() + self.options.retry_after_s * 2**item.attempt
                        heapq.heappush(self.heap, item)
                    else:
                        self.failed.append((item.url, item.params, status))
                else:
                    self.sent += 1
                self.cond.notify_all()

    def drain(self, timeout_s: float = 120) -> bool:
        """Wait until every callback has been delivered (or given up); False on timeout."""
        deadline = time.monotonic() + timeout_s
        with self.cond:
            while self.heap or self.in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.05))
        return True

    def stop(self) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
        for worker in self.workers:
            worker.join(timeout=5)
