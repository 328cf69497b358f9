"""`make faults` (`python -m tests.faults [NAME…|all]`): the process model on a private PostgreSQL
and Redis, with faults done to it under load; each prints what was offered against what was
completed or delivered. It exits 1 if anything was lost.

Names: duplicates, web-kill, worker-kill, redis-restart, postgres-restart, stripe, mail-down.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable

from tests.faults import calls, mail, stripe
from tests.faults.world import World, world


def _web_kill(w: World) -> calls.Outcome:
    def fault() -> str:
        return f"gunicorn worker {w.processes.kill_web_worker()} SIGKILLed"

    return calls.during(w, "web-kill", fault, at=(3, 8))


def _worker_kill(w: World) -> calls.Outcome:
    def fault() -> str:
        return f"RQ worker {w.processes.kill_rq_worker()} SIGKILLed with its job"

    return calls.during(w, "worker-kill", fault, at=(3, 6))


def _redis_restart(w: World) -> calls.Outcome:
    def fault() -> str:
        w.redis.kill()
        time.sleep(1)
        w.redis.start()
        return "Redis killed, back empty 1 s later"

    return calls.during(w, "redis-restart", fault, at=(4,))


def _postgres_restart(w: World) -> calls.Outcome:
    def fault() -> str:
        w.postgres.restart()
        return "PostgreSQL restarted (fast shutdown)"

    return calls.during(w, "postgres-restart", fault, at=(4,))


FAULTS: dict[str, Callable[[World], calls.Outcome | stripe.Outcome | mail.Outcome]] = {
    "duplicates": lambda w: calls.during(w, "duplicates", None, duplicate=True),
    "web-kill": _web_kill,
    "worker-kill": _worker_kill,
    "redis-restart": _redis_restart,
    "postgres-restart": _postgres_restart,
    "stripe": stripe.duplicated_and_reversed,
    "mail-down": mail.down_then_up,
}

TITLES = {
    "duplicates": "(a) every carrier callback sent twice and shuffled",
    "web-kill": "(b) a gunicorn web worker SIGKILLed mid-load, twice",
    "worker-kill": "(c) an RQ worker SIGKILLed mid-job, twice",
    "redis-restart": "(d) Redis killed and restarted empty mid-load",
    "postgres-restart": "(e) PostgreSQL restarted mid-load",
    "stripe": "(f) Stripe webhooks duplicated and delivered in reverse order",
    "mail-down": "(g) the mail server and the shop's webhook down for a while, then back",
}


def main(names: list[str]) -> int:
    for noisy in ("mail.log", "stripe", "rq.worker", "werkzeug", "alembic"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    chosen = list(FAULTS) if not names or names == ["all"] else names
    unknown = [name for name in chosen if name not in FAULTS]
    if unknown:
        print(
            f"unknown fault(s): {', '.join(unknown)}; known: {', '.join(FAULTS)}", file=sys.stderr
        )
        return 2
    lost = 0
    started = time.monotonic()
    with world() as w:
        print(
            f"Private PostgreSQL :{w.postgres.port}, Redis :{w.redis.port}; gunicorn 2 workers, 2 RQ workers ({time.monotonic() - started:.0f} s to start)"
        )
        for name in chosen:
            began = time.monotonic()
            print(f"\n{TITLES[name]}", flush=True)
            outcome = FAULTS[name](w)
            for line in outcome.lines():
                print("  " + line)
            print(f"  wall time          {time.monotonic() - began:.0f} s", flush=True)
            lost += outcome.lost
        print(
            f"\noutbox jobs: {w.outbox_left()}; RQ workers started again: {w.processes.restarted_workers}"
        )
    print(f"Total lost: {lost} ({time.monotonic() - started:.0f} s)")
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
