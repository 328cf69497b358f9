"""The wallboard's figures, read in a handful of aggregate queries: callers waiting and the longest
wait, operators by state, and today's figures (Asia/Tokyo, DESIGN.md section 2) per queue and per
shop, each flagged when its answer rate is below the 98 % target."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select

from answering import reports
from answering.models import Call
from scheduling import queues
from scheduling.models import OPERATOR_STATES, OperatorState, Team, TeamMember
from tenants.coverage.services import TOKYO
from tenants.db import db
from tenants.models import Shop, StaffRole, User

# A caller still "waiting" after this long is a record a lost callback left open, not a caller:
# the reconciliation job closes it; the board leaves it out (and the index on arrival bounds the scan).
STALE = timedelta(hours=6)
QUEUE = func.coalesce(Call.queue, "-").label("queue")


@dataclass
class Line:
    """One queue or shop on the board."""

    key: str
    name: str
    waiting: int = 0
    longest_wait_s: float | None = None
    today: dict[str, Any] = field(default_factory=dict)

    @property
    def below_target(self) -> bool:
        rate = self.today.get("answer_rate")
        return rate is not None and rate < reports.TARGET

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "waiting": self.waiting,
            "longest_wait_s": self.longest_wait_s,
            "below_target": self.below_target,
            **self.today,
        }


@dataclass(frozen=True)
class Board:
    at: datetime
    total: dict[str, Any]
    queues: list[Line]
    shops: list[Line]
    teams: dict[str, dict[str, int]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.astimezone(TOKYO).isoformat(),
            "target": reports.TARGET,
            "total": {
                **self.total,
                "below_target": self.total["answer_rate"] is not None
                and self.total["answer_rate"] < reports.TARGET,
            },
            "queues": [line.as_dict() for line in self.queues],
            "shops": [line.as_dict() for line in self.shops],
            "operators": self.teams,
        }


def waiting_query(now: datetime) -> Select[uuid.UUID, str, int, datetime | None]:
    """Callers in the queue now (queued, neither answered nor ended, or handed back after a
    transfer nobody picked up) per shop and queue, with the oldest time they began to wait."""
    return (
        select(
            Call.shop_id,
            QUEUE,
            func.count(),
            func.min(func.coalesce(Call.returned_at, Call.queued_at)),
        )
        .where(
            Call.arrived_at >= now - STALE,
            Call.queued_at.is_not(None),
            or_(Call.answered_at.is_(None), Call.returned_at.is_not(None)),
            Call.ended_at.is_(None),
        )
        .group_by(Call.shop_id, QUEUE)
    )


def today_query(now: datetime, sl_threshold_s: int) -> Select[Any]:
    """Today's figures (Asia/Tokyo) per shop and queue: one scan serves every line and the total."""
    midnight = datetime.combine(now.astimezone(TOKYO).date(), time(), TOKYO)
    return (
        select(Call.shop_id, QUEUE, *reports.figure_columns(sl_threshold_s))
        .where(*reports.counted_between(midnight, midnight + timedelta(days=1)))
        .group_by(Call.shop_id, QUEUE)
    )


Waiting = dict[Any, tuple[int, float]]


def _waiting(now: datetime) -> tuple[Waiting, Waiting]:
    """(per shop, per queue): callers waiting and the longest wait in seconds."""
    shops: Waiting = {}
    queues: Waiting = {}
    for shop, queue, count, oldest in db.session.execute(waiting_query(now)):
        wait = (now - oldest).total_seconds() if oldest is not None else 0.0
        for into, key in ((shops, shop), (queues, queue)):
            had, longest = into.get(key, (0, 0.0))
            into[key] = (had + count, max(longest, wait))
    return shops, queues


def _today(now: datetime, sl_threshold_s: int) -> tuple[dict[Any, Any], dict[Any, Any], Any]:
    """(per shop, per queue, total) figures of today, summed from the shop-and-queue groups."""
    shops: dict[Any, reports.Figures] = {}
    queues: dict[Any, reports.Figures] = {}
    total = reports.Figures.zero()
    for shop, queue, *figures in db.session.execute(today_query(now, sl_threshold_s)):
        counted = reports.Figures(*figures)
        shops[shop] = shops.get(shop, reports.Figures.zero()) + counted
        queues[queue] = queues.get(queue, reports.Figures.zero()) + counted
        total = total + counted
    return (
        {k: v.as_dict() for k, v in shops.items()},
        {k: v.as_dict() for k, v in queues.items()},
        total.as_dict(),
    )


def _lines(
    waiting: dict[Any, tuple[int, float]],
    today: dict[Any, Any],
    names: dict[Any, tuple[str, str]],
) -> list[Line]:
    empty = reports.Figures.zero().as_dict()
    lines = []
    for key in set(waiting) | set(today):
        count, longest = waiting.get(key, (0, None))
        label, name = names.get(key, (str(key), str(key)))
        lines.append(Line(label, name, count, longest, today.get(key, empty)))
    return sorted(lines, key=lambda line: (not line.below_target, -line.waiting, line.name))


def operators_by_team() -> dict[str, dict[str, int]]:
    """Active operators by team and state ("-": no team); never signed in counts as offline."""
    state = func.coalesce(OperatorState.state, "offline").label("state")
    rows = db.session.execute(
        select(Team.name, state, func.count())
        .select_from(User)
        .outerjoin(OperatorState, OperatorState.operator_id == User.id)
        .outerjoin(TeamMember, TeamMember.user_id == User.id)
        .outerjoin(Team, Team.id == TeamMember.team_id)
        .where(User.staff_role == StaffRole.OPERATOR, User.is_active.is_(True))
        .group_by(Team.name, state)
    )
    teams: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OPERATOR_STATES, 0))
    for team, now_in, count in rows:
        teams[team or "-"][now_in] += count
    return dict(sorted(teams.items()))


def board(now: datetime, sl_threshold_s: int) -> Board:
    """Everything the wallboard shows, as of `now` (staff scope: every shop)."""
    shop_names: dict[uuid.UUID, tuple[str, str]] = {
        row.id: (row.slug, row.name)
        for row in db.session.execute(select(Shop.id, Shop.slug, Shop.name))
    }
    waiting_by_shop, waiting_by_queue = _waiting(now)
    today_by_shop, today_by_queue, total = _today(now, sl_threshold_s)
    # A queue's line is keyed by its key and shows the name staff gave it.
    queue_names = {
        key: (key, queues.label(key)) for key in set(waiting_by_queue) | set(today_by_queue)
    }
    total["waiting"] = sum(count for count, _ in waiting_by_queue.values())
    total["longest_wait_s"] = max((w for _, w in waiting_by_queue.values()), default=None)
    return Board(
        at=now,
        total=total,
        queues=_lines(waiting_by_queue, today_by_queue, queue_names),
        shops=_lines(waiting_by_shop, today_by_shop, shop_names),
        teams=operators_by_team(),
    )
